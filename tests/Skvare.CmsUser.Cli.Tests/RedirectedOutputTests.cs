using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Regression (trial10, real CiviCRM 6.17.2): with stdout redirected (cron, <c>&gt; file</c>, a pipe) every table line was
/// padded with spaces to the table's width and long lines were wrapped at 200 columns. Redirected output now has lines that
/// end at their last visible character and are never wrapped.
/// </summary>
public sealed class RedirectedOutputTests
{
    [Fact(Timeout = 120_000)]
    public async Task Redirected_tables_have_no_trailing_spaces_and_long_lines_are_not_wrapped()
    {
        using var folder = new TempFolder();

        var demo = await Cli.RunAsync(folder.Path, null, "demo");

        demo.ExitCode.Should().Be(0, demo.ToString());
        var lines = demo.Stdout.Split('\n');
        lines.Should().NotContain(l => l.EndsWith(' ') || l.EndsWith('\t'), "a line ends at its last visible character");
        // A created contact's row ends at its account id: the empty Error column is not padded out.
        demo.Stdout.Should().MatchRegex(@"(?m)^\s+\d+\s+members\s+Created\s+ana\.lima\s+\d+$");
        // The failed contact's row still lines up its columns (the padding between cells stays).
        demo.Stdout.Should().MatchRegex(@"(?m)^\s+\d+\s+members\s+Gave up\s{2,}no_email: The contact has no primary email address\. \(attempt 1 of 4; gave up at once: trying again cannot help\)$");
        // The line naming what the demo servers hold is longer than 200 columns: it stays one line.
        var held = lines.Should().ContainSingle(l => l.StartsWith("Demo servers now hold:", StringComparison.Ordinal)).Subject;
        held.Length.Should().BeGreaterThan(200);
        held.Should().EndWith("Nothing outside this process was touched.");
    }

    [Fact]
    public void Spaces_before_a_line_end_are_left_out_and_everything_else_is_written_as_it_came()
    {
        // Any text, written in any pieces by any of the writer's methods, comes out as the text with the spaces before each
        // line feed left out (a CR of a CR LF kept); spaces at the very end wait for the rest of their line.
        var text = Gen.OneOf(HostileText.Text, Gen.String[Gen.Char[" ab\r\n\t─"], 0, 60]);
        Gen.Select(text, Gen.Int[1, 8].Array[1, 12], Gen.Int[0, 3]).Sample((input, cuts, method) =>
        {
            var written = new StringWriter();
            var writer = new TrimmedLinesWriter(written);
            var position = 0;
            foreach (var cut in cuts.Append(input.Length))
            {
                var piece = input[position..Math.Min(input.Length, position + cut)];
                position += piece.Length;
                switch (method)
                {
                    case 0: writer.Write(piece); break;
                    case 1: writer.Write(piece.ToCharArray(), 0, piece.Length); break;
                    case 2: writer.Write(piece.AsSpan()); break;
                    default:
                        foreach (var c in piece)
                        {
                            writer.Write(c);
                        }

                        break;
                }

                if (position == input.Length)
                {
                    break;
                }
            }

            writer.Flush();
            written.ToString().Should().Be(Expected(input), $"input {Escape(input)}");
        }, iter: 2000);
    }

    [Fact]
    public void A_table_line_loses_its_padding_and_a_crlf_keeps_its_cr()
    {
        var written = new StringWriter();
        var writer = new TrimmedLinesWriter(written);

        writer.Write("  Contact   Name        \n  7         Ana Lima    \r\n  8    \n   ");
        writer.WriteLine("x  ");

        written.ToString().Should().Be("  Contact   Name\n  7         Ana Lima\r\n  8\n   x" + Environment.NewLine);
    }

    /// <summary>The model: every run of spaces and CRs before a line feed without its spaces; a run at the very end held back.</summary>
    private static string Expected(string input)
    {
        var lines = Regex.Replace(input, "[ \r]+(?=\n)", m => m.Value.Replace(" ", "", StringComparison.Ordinal));
        return Regex.Replace(lines, @"[ \r]+\z", "");
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (var c in text)
        {
            escaped.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return escaped.ToString();
    }
}
