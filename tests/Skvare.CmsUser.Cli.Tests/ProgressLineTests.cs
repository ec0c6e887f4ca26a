using System.Globalization;
using System.Text;
using CsCheck;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>The live progress line fits the terminal's width, whatever the names hold, and loses its least useful parts first.</summary>
public sealed class ProgressLineTests
{
    private static readonly ProgressLine Volunteers = new(
        Verbs.Provision, "volunteers", Number: 2, Count: 3, Total: 4, [new("Created", 3), new("Gave up", 1)], RunTotal: 9, SoFar: true);

    [Theory]
    [InlineData(200, "Provisioning [2/3] volunteers: 4 contacts so far (Created 3, Gave up 1); 9 in the run")]
    [InlineData(85, "Provisioning [2/3] volunteers: 4 contacts so far (Created 3, Gave up 1); 9 in the run")]
    [InlineData(84, "Provisioning [2/3] volunteers: 4 contacts so far (Created 3, Gave up 1)")]
    [InlineData(70, "Provisioning [2/3] volunteers: 4 contacts (Created 3, Gave up 1)")]
    [InlineData(63, "[2/3] volunteers: 4 contacts (Created 3, Gave up 1)")]
    [InlineData(50, "[2/3] volunteers: 4 (Created 3, Gave up 1)")]
    [InlineData(41, "volunteers: 4 (Created 3, Gave up 1)")]
    [InlineData(35, "volunteers: 4 (Created 3, …)")]
    [InlineData(27, "volu…eers: 4 (Created 3, …)")]
    [InlineData(25, "volunteers: 4")]
    [InlineData(12, "volu…eers: 4")]
    [InlineData(4, "…: 4")]
    [InlineData(1, "4")]
    public void The_least_useful_parts_go_first_and_the_number_of_contacts_last(int columns, string expected)
    {
        var line = Volunteers.Render(columns);

        line.Should().Be(expected);
        TerminalText.Columns(line).Should().BeLessThanOrEqualTo(columns);
    }

    [Fact]
    public void Counts_of_failures_are_the_last_counts_left_out()
    {
        var line = Volunteers with { Count = 1, Total = 5, Counts = [new("Created", 3), new("Linked", 1), new("Gave up", 1)], Failures = new HashSet<string> { "Gave up" } };

        line.Render(50).Should().Be("volunteers: 5 (Created 3, Linked 1, Gave up 1)");
        line.Render(45).Should().Be("volunteers: 5 (Created 3, Gave up 1, …)");
        line.Render(35).Should().Be("volunteers: 5 (Gave up 1, …)");

        // docs/cli.md's example: a 40-column terminal leaves 39 columns to the line.
        new ProgressLine(Verbs.Provision, "members", 1, 1, 100, [new("Created", 91), new("Linked", 6), new("Failed", 3)], 100, SoFar: true, new HashSet<string> { "Failed" })
            .Render(39).Should().Be("members: 100 (Created 91, Failed 3, …)");
    }

    [Fact]
    public void A_long_rule_name_keeps_its_start_and_its_end_and_a_pass_line_is_whole()
    {
        var line = Volunteers with { Pass = "members of the regional board (deprovision)", Count = 1, Counts = [new("Blocked", 2)], Total = 2 };

        line.Render(50).Should().Be("members of the re…ard (deprovision): 2 (Blocked 2)");
        line.ToString().Should().Be("Provisioning members of the regional board (deprovision): 2 contacts so far (Blocked 2)");
    }

    [Fact]
    public void Names_in_any_script_are_measured_as_the_terminal_draws_them_and_never_cut_inside_a_character()
    {
        // 東京 and Ａ are wide (two columns), é is e and a combining accent (one), 👍🏽 is two emoji (counted four, drawn two or four).
        var line = Volunteers with { Verb = Verbs.Reset, Pass = "東京 Ａ e\u0301 👍🏽 שלום", Count = 1, Counts = [new("Sent", 4)] };

        var full = line.Render(100);
        full.Should().Be("Password resets 東京 Ａ e\u0301 👍🏽 שלום: 4 contacts so far (Sent 4)");
        TerminalText.Columns(full).Should().Be(16 + 4 + 1 + 2 + 1 + 1 + 1 + 4 + 1 + 4 + 28);

        // 18 columns for the name, 17 beside the ellipsis: the last piece left, 👍🏽 (4), does not fit and is left out whole.
        line.Render(30).Should().Be("東京 Ａ e\u0301 … שלום: 4 (Sent 4)");
    }

    [Theory]
    [InlineData("members", 7)]
    [InlineData("東京", 4)]
    [InlineData("Ａｎａ", 6)]
    [InlineData("한국", 4)]
    [InlineData("\u1100\u1161", 2)]
    [InlineData("e\u0301", 1)]
    [InlineData("Z\u0351\u0352a\u0300", 2)]
    [InlineData("שלום", 4)]
    [InlineData("مرحبا", 5)]
    [InlineData("😀", 2)]
    [InlineData("❤\uFE0F", 2)]
    [InlineData("🇧🇪", 4)]
    [InlineData("𠜎", 2)]
    [InlineData("a\u200Bb", 2)]
    [InlineData("", 0)]
    public void Display_width_counts_wide_characters_two_and_combining_marks_none(string text, int columns) =>
        TerminalText.Columns(text).Should().Be(columns);

    [Fact]
    public void Line_breaks_controls_and_lone_surrogates_in_a_name_cannot_break_or_steer_the_line()
    {
        TerminalText.OneLine("a\nb\r\nc\u001b[2J\u202Ed\uD800e").Should().Be("a\\u000Ab\\u000D\\u000Ac\\u001B[2J\\u202Ed\uFFFDe");
        (Volunteers with { Pass = "two\nlines" }).ToString().Should().StartWith("Provisioning [2/3] two\\u000Alines: 4");
    }

    [Fact]
    public void Any_progress_state_fits_any_width_as_valid_text_on_one_line()
    {
        var words = Gen.Frequency((3, Gen.OneOf("Created", "Already linked", "Gave up", "Failed", "Sent", "No account")), (1, HostileText.Text));
        var count = Gen.Frequency((3, Gen.Int[0, 1000]), (1, Gen.Int[0, int.MaxValue]));
        var state = Gen.Select(
            Gen.Frequency((3, Gen.OneOf(Verbs.Provision, Verbs.Reset)), (1, HostileText.Text)),
            HostileText.TextOrHuge,
            Gen.Select(count, count, count, count),
            Gen.Select(words, count).Select((w, n) => new KeyValuePair<string, int>(w, n)).Array[0, 8],
            Gen.Bool)
            .Select((verb, pass, numbers, counts, soFar) =>
                new ProgressLine(verb, pass, numbers.Item1, numbers.Item2, numbers.Item3, counts, numbers.Item4, soFar));

        Gen.Select(state, Gen.Frequency((4, Gen.Int[1, 120]), (1, Gen.Int[1, 2000]))).Sample((line, columns) =>
        {
            var rendered = line.Render(columns);

            TerminalText.Columns(rendered).Should().BeLessThanOrEqualTo(columns);
            IsOneSafeLine(rendered).Should().BeTrue($"'{rendered}' is valid UTF-16 without controls");
            if (TerminalText.Columns(line.ToString()) <= columns)
            {
                rendered.Should().Be(line.ToString(), "a line that fits is whole");
            }
        }, iter: 3000);
    }

    [Fact]
    public void Shortened_text_is_its_own_start_and_end_cut_between_characters_a_reader_sees()
    {
        Gen.Select(HostileText.TextOrHuge.Select(TerminalText.OneLine), Gen.Int[0, 60]).Sample((text, columns) =>
        {
            var elided = TerminalText.Elide(text, columns);
            var truncated = TerminalText.Truncate(text, columns);

            TerminalText.Columns(elided).Should().BeLessThanOrEqualTo(Math.Max(columns, 0));
            TerminalText.Columns(truncated).Should().BeLessThanOrEqualTo(Math.Max(columns, 0));
            var cuts = Boundaries(text);
            if (elided != text && elided.Length > 0)
            {
                cuts.Any(head => cuts.Any(tail => tail >= head && elided == text[..head] + TerminalText.Ellipsis + text[tail..]))
                    .Should().BeTrue($"'{elided}' is a start and an end of '{text}' cut between grapheme clusters");
            }

            if (truncated != text && truncated.Length > 0)
            {
                cuts.Any(end => truncated == text[..end] + TerminalText.Ellipsis).Should().BeTrue($"'{truncated}' is a start of '{text}'");
            }
        }, iter: 2000);
    }

    /// <summary>Where the text may be cut: its start, its end, and between its grapheme clusters.</summary>
    private static List<int> Boundaries(string text)
    {
        var cuts = StringInfo.ParseCombiningCharacters(text).ToList();
        cuts.Add(text.Length);
        return cuts;
    }

    private static bool IsOneSafeLine(string text)
    {
        try
        {
            _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            return false;
        }

        return !text.Any(char.IsControl);
    }
}
