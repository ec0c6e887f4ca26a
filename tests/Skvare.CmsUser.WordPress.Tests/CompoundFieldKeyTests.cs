using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class CompoundFieldKeyTests
{
    [Fact]
    public void A_key_naming_a_part_of_a_compound_field_is_refused_at_start_with_the_key() =>
        CompoundFieldKeys.Failures(b => b.AddWordPress()).Should().ContainSingle()
            .Which.Should().Contain("CmsUser:FieldMappings:" + CompoundFieldKeys.Key).And.Contain("WordPress cannot take");
}
