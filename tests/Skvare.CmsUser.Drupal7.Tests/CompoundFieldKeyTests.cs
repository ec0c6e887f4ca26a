using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

public sealed class CompoundFieldKeyTests
{
    [Fact]
    public void A_key_naming_a_part_of_a_compound_field_is_taken() =>
        CompoundFieldKeys.Failures(b => b.AddDrupal7()).Should().BeEmpty();
}
