using System.Globalization;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// One state of the progress line: <c>Provisioning [2/3] volunteers: 4 contacts so far (Created 3, Gave up 1); 9 in the run</c>.
/// <see cref="Render"/> fits it to a terminal's width, leaving out the least useful parts first: the run's total, "so far",
/// the verb (the person typed the command), the word "contacts", the pass's position; then it shortens the rule's name in
/// the middle, leaves out outcome counts (from the last, failures last of all), and shortens the name to "…"; the number
/// of contacts goes last.
/// </summary>
/// <param name="Verb">What the command does (<see cref="Verbs"/>).</param>
/// <param name="Pass">The pass under way (a rule, a rule's deprovisioning, a campaign): text from the settings.</param>
/// <param name="Number">The pass's position in the run, from 1.</param>
/// <param name="Count">How many passes the run has; one shows no position and no run total.</param>
/// <param name="Total">Contacts the pass processed.</param>
/// <param name="Counts">Contacts per outcome word, in the order the words first appeared.</param>
/// <param name="RunTotal">Contacts the run processed.</param>
/// <param name="SoFar">Whether the pass is still under way.</param>
/// <param name="Failures">The words of <paramref name="Counts"/> that count failures (Failed, Gave up…): kept longest.</param>
internal sealed record ProgressLine(
    string Verb,
    string Pass,
    int Number,
    int Count,
    int Total,
    IReadOnlyList<KeyValuePair<string, int>> Counts,
    int RunTotal,
    bool SoFar,
    IReadOnlySet<string>? Failures = null)
{
    /// <summary>The fewest columns the rule's name is shortened to while every count is shown.</summary>
    private const int NameColumns = 12;

    /// <summary>The fewest columns the rule's name is shortened to before the counts go.</summary>
    private const int ShortNameColumns = 8;

    /// <summary>The whole line, on one line (the pass's final line, and every line when stderr is no terminal).</summary>
    public override string ToString() => Compose(Shape.Full, TerminalText.OneLine(Pass));

    /// <summary>The line in at most <paramref name="columns"/> terminal columns.</summary>
    public string Render(int columns)
    {
        var pass = TerminalText.OneLine(Pass);
        var passColumns = TerminalText.Columns(pass);
        foreach (var shape in Shapes())
        {
            var room = columns - TerminalText.Columns(Compose(shape, ""));
            if (room >= passColumns)
            {
                return Compose(shape, pass);
            }

            if (room >= shape.ShortestName)
            {
                return Compose(shape, TerminalText.Elide(pass, room));
            }
        }

        // Not even "…: 4" fits.
        return TerminalText.Truncate(Total.ToString(CultureInfo.InvariantCulture), columns);
    }

    private IEnumerable<Shape> Shapes()
    {
        // The rule's whole name first, without the words a person can do without on a line that changes under their eyes,
        var shape = Shape.Full;
        yield return shape;
        yield return shape = shape with { Run = false };
        yield return shape = shape with { SoFar = false };
        yield return shape = shape with { Verb = false };
        yield return shape = shape with { Contacts = false };
        yield return shape = shape with { Position = false };

        // then its name shortened, then fewer counts (the first ones stay), then no counts, then the name down to "…".
        yield return shape = shape with { ShortestName = NameColumns };
        for (var kept = Counts.Count - 1; kept > 0; kept--)
        {
            yield return shape with { CountsKept = kept, ShortestName = ShortNameColumns };
        }

        yield return shape = shape with { CountsKept = 0, ShortestName = ShortNameColumns };
        yield return shape with { ShortestName = 1 };
    }

    private string Compose(Shape shape, string pass)
    {
        var many = Count > 1;
        var line = new System.Text.StringBuilder(96);
        if (shape.Verb)
        {
            line.Append(TerminalText.OneLine(Verb)).Append(' ');
        }

        if (many && shape.Position)
        {
            line.Append('[').Append(Number.ToString(CultureInfo.InvariantCulture)).Append('/').Append(Count.ToString(CultureInfo.InvariantCulture)).Append("] ");
        }

        line.Append(pass).Append(": ").Append(Total.ToString(CultureInfo.InvariantCulture));
        if (shape.Contacts)
        {
            line.Append(Total == 1 ? " contact" : " contacts");
        }

        if (shape.SoFar && SoFar)
        {
            line.Append(" so far");
        }

        var kept = Kept(shape.CountsKept < 0 ? Counts.Count : Math.Min(shape.CountsKept, Counts.Count));
        if (kept.Count > 0)
        {
            line.Append(" (").AppendJoin(", ", kept.Select(c => $"{TerminalText.OneLine(c.Key)} {c.Value.ToString(CultureInfo.InvariantCulture)}"));
            line.Append(kept.Count < Counts.Count ? ", " + TerminalText.Ellipsis + ")" : ")");
        }

        if (many && shape.Run)
        {
            line.Append("; ").Append(RunTotal.ToString(CultureInfo.InvariantCulture)).Append(" in the run");
        }

        return line.ToString();
    }

    /// <summary><paramref name="count"/> of the counts, in their order: the others go from the last, failures after the rest.</summary>
    private List<KeyValuePair<string, int>> Kept(int count)
    {
        if (count >= Counts.Count)
        {
            return [.. Counts];
        }

        var dropped = Enumerable.Range(0, Counts.Count).Reverse()
            .OrderBy(i => Failures?.Contains(Counts[i].Key) == true)
            .Take(Counts.Count - count)
            .ToHashSet();
        return [.. Counts.Where((_, i) => !dropped.Contains(i))];
    }

    /// <summary>Which parts a rendering keeps (<see cref="CountsKept"/> -1: every count), and how short the rule's name may get.</summary>
    private sealed record Shape(bool Verb, bool Position, bool Contacts, bool SoFar, int CountsKept, bool Run, int ShortestName)
    {
        public static readonly Shape Full = new(Verb: true, Position: true, Contacts: true, SoFar: true, CountsKept: -1, Run: true, ShortestName: int.MaxValue);
    }
}
