using CsCheck;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Testing.Tests.InMemory;

/// <summary>
/// The kit's UTF-8 text store gives back exactly the string it was given (lone surrogates, astral characters,
/// controls, empty, null, longer than it keeps as UTF-8), compares and hashes as the string does, and a rewrite of
/// one text leaves every other text as it was, across page boundaries.
/// </summary>
public sealed class TextArenaProperties
{
    private static readonly Gen<string?> Texts = Gen.Frequency(
        (1, Gen.Const(() => (string?)null)),
        (8, HostileText.TextOrHuge.Select(t => (string?)t)),
        (1, HostileText.Text.Select(t => (string?)string.Concat(Enumerable.Repeat(t.Length == 0 ? "é" : t, (TextArena.MaxLength / Math.Max(1, t.Length)) + 1)))));

    private static readonly StringComparison[] Comparisons = [StringComparison.Ordinal, StringComparison.OrdinalIgnoreCase];

    [Fact]
    public void Texts_read_back_exactly_and_compare_and_hash_as_strings_do()
    {
        Gen.Select(Texts.Array[1, 40], Gen.Select(Gen.Int[0, 39], Texts).Array[0, 12]).Sample((texts, rewrites) =>
        {
            var arena = new TextArena();
            var handles = texts.Select(arena.Add).ToArray();
            foreach (var (at, text) in rewrites)
            {
                var i = at % texts.Length;
                handles[i] = arena.Replace(handles[i], text);
                texts[i] = text;
            }

            for (var i = 0; i < texts.Length; i++)
            {
                arena[handles[i]].Should().Be(texts[i]);
                foreach (var comparison in Comparisons)
                {
                    if (texts[i] is { } text)
                    {
                        arena.HashCode(handles[i], comparison).Should().Be(string.GetHashCode(text, comparison));
                        arena.Equals(handles[i], text.ToUpperInvariant(), comparison).Should().Be(string.Equals(text, text.ToUpperInvariant(), comparison));
                    }

                    foreach (var other in texts)
                    {
                        arena.Equals(handles[i], other, comparison).Should().Be(string.Equals(texts[i], other, comparison));
                    }
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Many_texts_fill_pages_and_each_stays_where_it_was_put()
    {
        var arena = new TextArena();
        var texts = Enumerable.Range(0, 40_000).Select(i => i % 7 == 0 ? $"Ünïcödé {i} 😀" : new string((char)('a' + (i % 26)), i % 300)).ToArray();
        var handles = texts.Select(arena.Add).ToArray();

        handles.Should().OnlyContain(h => h > 0, "every text fits UTF-8 and the page size");
        handles.Select((h, i) => arena[h] == texts[i]).Should().AllBeEquivalentTo(true);
    }
}
