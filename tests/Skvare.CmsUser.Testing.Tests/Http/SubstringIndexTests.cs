using CsCheck;
using FluentAssertions;
using Skvare.CmsUser.Testing.Http;
using Xunit;

namespace Skvare.CmsUser.Testing.Tests.Http;

public sealed class SubstringIndexTests
{
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["aAbB@.ſßİıkK\u212A\uD83D\uDE00"], 0, 12],
        Gen.String[0, 12]);

    [Fact]
    public void Candidates_always_hold_every_record_that_contains_the_term_case_insensitively() =>
        Gen.Select(Text.Array[0, 20], Text, Gen.Int[0, 20]).Sample((texts, term, removed) =>
        {
            var index = new SubstringIndex();
            for (var i = 0; i < texts.Length; i++)
            {
                index.Set(i, texts[i]);
            }

            index.Remove(removed);
            var candidates = index.Candidates(term);
            var matches = Enumerable.Range(0, texts.Length)
                .Where(i => i != removed && texts[i].Contains(term, StringComparison.OrdinalIgnoreCase)).Select(i => (long)i);
            if (candidates is not null)
            {
                matches.Except(candidates).Should().BeEmpty();
                candidates.Should().NotContain((long)removed);
            }
            else
            {
                term.Length.Should().BeLessThan(3);
            }
        });

    [Fact]
    public void A_rare_term_narrows_the_search_to_its_records()
    {
        var index = new SubstringIndex();
        for (var i = 0; i < 1_000; i++)
        {
            index.Set(i, $"p{i}@example.org");
        }

        index.Candidates("P123@EXAMPLE.ORG").Should().BeEquivalentTo([123L]);
        index.Candidates("nobody@example.org").Should().BeEmpty();
        index.Candidates("p1").Should().BeNull();
    }

    [Fact]
    public void Re_filing_a_record_forgets_its_old_text()
    {
        var index = new SubstringIndex();
        index.Set(7, "old@example.org");
        index.Set(7, "new@example.org");
        index.Candidates("old@").Should().BeEmpty();
        index.Candidates("new@").Should().Equal(7L);
    }
}
