using CsCheck;
using FluentAssertions;
using Skvare.CmsUser.Testing.Http;
using Xunit;

namespace Skvare.CmsUser.Testing.Tests.Http;

public sealed class KeyIndexTests
{
    private static readonly Gen<string> Key = Gen.String[Gen.Char["aAbBİıß "], 0, 3];

    [Fact]
    public void First_and_AnyOther_answer_as_a_scan_in_id_order_after_any_adds_and_removes() =>
        Gen.Select(Gen.Select(Key, Gen.Long[1, 20], Gen.Bool).Array[0, 40], Key, Gen.Long[1, 20]).Sample((operations, probe, except) =>
        {
            var index = new KeyIndex(StringComparer.OrdinalIgnoreCase);
            var rows = new HashSet<(string Key, long Id)>();
            foreach (var (key, id, add) in operations)
            {
                if (add)
                {
                    index.Add(key, id);
                    rows.Add((key.ToUpperInvariant(), id));
                }
                else
                {
                    index.Remove(key, id);
                    rows.RemoveWhere(r => string.Equals(r.Key, key, StringComparison.OrdinalIgnoreCase) && r.Id == id);
                }
            }

            var matching = rows.Where(r => string.Equals(r.Key, probe, StringComparison.OrdinalIgnoreCase)).Select(r => r.Id).Distinct().Order().ToList();
            index.First(probe).Should().Be(matching.Count == 0 ? null : matching[0]);
            index.All(probe).Should().Equal(matching);
            index.AnyOther(probe, except).Should().Be(matching.Any(id => id != except));
        });

    [Fact]
    public void A_null_key_is_never_filed()
    {
        var index = new KeyIndex(StringComparer.Ordinal);
        index.Add(null, 1);
        index.First(null).Should().BeNull();
        index.All(null).Should().BeEmpty();
    }
}
