using CsCheck;
using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The write-back's list of a contact's open (Scheduled) records is, for any records and any own record, the distinct
/// ascending ids of the Scheduled ones plus the page's own.
/// </summary>
public sealed class OpenIdsProperties
{
    private static readonly Gen<AuditRecord> Record =
        Gen.Select(Gen.Long[1, 12], Gen.Enum<ActivityOutcomeStatus>(), (id, status) => new AuditRecord(id, 7, status, "User Account Creation"));

    private static readonly Gen<(AuditRecord[] Records, long? Mine)> Input =
        Gen.Select(Record.Array[0, 6], Gen.Frequency((3, Gen.Const((long?)null)), (7, Gen.Long[1, 12].Select(id => (long?)id))));

    [Fact]
    public void Open_ids_are_the_scheduled_ids_and_the_own_one_distinct_and_ascending() =>
        Input.Sample(input =>
        {
            var expected = input.Records.Where(r => r.Status == ActivityOutcomeStatus.Scheduled).Select(r => r.Id)
                .Concat(input.Mine is long m ? [m] : []).Distinct().Order().ToArray();

            PageWriter.OpenIds(input.Records, input.Mine).Should().Equal(expected);
        });
}
