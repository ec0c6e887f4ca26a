using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>--json output keeps names readable (apostrophes, accents, CJK, emoji as they are) and stays valid, safe JSON.</summary>
public sealed class JsonOutputTests
{
    private static string Write(string value) => Output.Json(w => w.WriteString("value", value));

    private static JsonElement Value(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("value").Clone();
    }

    /// <summary>What a UTF-8 document can carry of <paramref name="text"/>: each lone surrogate becomes U+FFFD.</summary>
    private static string Carried(string text)
    {
        var carried = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            carried.Append(rune.ToString());
        }

        return carried.ToString();
    }

    /// <summary>The code points of a JSON string's body written as they are, escape sequences left out.</summary>
    private static List<Rune> Bare(string body)
    {
        var bare = new List<Rune>();
        for (var i = 0; i < body.Length;)
        {
            if (body[i] == '\\')
            {
                i += body[i + 1] == 'u' ? 6 : 2;
                continue;
            }

            Rune.DecodeFromUtf16(body.AsSpan(i), out var rune, out var consumed);
            bare.Add(rune);
            i += consumed;
        }

        return bare;
    }

    [Fact]
    public void Apostrophes_ellipses_accents_cjk_and_emoji_are_written_as_they_are()
    {
        var json = Write("O'Brien … Zoë 李小龙 😀 <b>&+`");

        json.Should().Contain("\"O'Brien … Zoë 李小龙 😀 <b>&+`\"");
        Value(json).GetString().Should().Be("O'Brien … Zoë 李小龙 😀 <b>&+`");
    }

    [Fact]
    public void Characters_that_hide_text_move_the_cursor_or_break_the_line_are_escaped()
    {
        var json = Write("\u202Eevil\u202C\u200B\uFEFF\u00AD\u2028\u2029\u001b[2J\u0085\u007F\"\\\uE000\U000E0001\uFFFF");

        json.Should().Contain(@"""\u202Eevil\u202C\u200B\uFEFF\u00AD\u2028\u2029\u001B[2J\u0085\u007F\""\\\uE000\uDB40\uDC01\uFFFF""");
        Value(json).GetString().Should().Be("\u202Eevil\u202C\u200B\uFEFF\u00AD\u2028\u2029\u001b[2J\u0085\u007F\"\\\uE000\U000E0001\uFFFF");
    }

    [Fact]
    public void A_lone_surrogate_is_written_as_the_replacement_character()
    {
        var json = Write("a\uD800b\uDC00");

        Value(json).GetString().Should().Be("a\uFFFDb\uFFFD");
    }

    [Fact]
    public void Any_text_parses_back_to_itself_with_every_letter_verbatim_and_nothing_hidden_left_bare()
    {
        HostileText.TextOrHuge.Sample(text =>
        {
            var json = Write(text);

            var value = Value(json);
            value.GetString().Should().Be(Carried(text));
            var raw = value.GetRawText();
            foreach (var rune in Carried(text).EnumerateRunes().Where(r => r.Value > 0x7F && Rune.IsLetter(r)))
            {
                raw.Should().Contain(rune.ToString(), "a non-ASCII letter is written as it is");
            }

            Bare(raw[1..^1]).Should().NotContain(r => ReadableJsonEncoder.Instance.WillEncode(r.Value), $"what could hide text is escaped in {raw}");
        });
    }

    [Fact]
    public void Every_code_point_is_either_written_as_it_is_or_escaped_and_parses_back()
    {
        Gen.Int[0, 0x10FFFF].Where(v => v is < 0xD800 or > 0xDFFF).Sample(v =>
        {
            var text = new Rune(v).ToString();
            var json = Write(text);

            Value(json).GetString().Should().Be(text);
            var raw = Value(json).GetRawText();
            if (ReadableJsonEncoder.Instance.WillEncode(v))
            {
                raw.Should().StartWith("\"\\").And.NotBe($"\"{text}\"");
            }
            else
            {
                raw.Should().Be($"\"{text}\"");
            }
        });
    }

    [Fact]
    public void A_destination_too_small_for_a_character_gets_nothing_of_it_and_one_large_enough_gets_all_of_it()
    {
        // The encoder writes a character whole or not at all: half an escape (\uD8) or one surrogate of a pair would corrupt
        // the JSON when the writer retries with a larger buffer.
        Gen.Select(Gen.Int[0, 0x10FFFF].Where(v => v is < 0xD800 or > 0xDFFF), Gen.Int[0, 12]).Sample((v, room) =>
        {
            var text = new Rune(v).ToString();
            var whole = new char[12];
            ReadableJsonEncoder.Instance.Encode(text, whole, out _, out var needed).Should().Be(System.Buffers.OperationStatus.Done);
            var destination = new char[room];

            var status = ReadableJsonEncoder.Instance.Encode(text, destination, out var consumed, out var written);

            if (room >= needed)
            {
                status.Should().Be(System.Buffers.OperationStatus.Done);
                new string(destination, 0, written).Should().Be(new string(whole, 0, needed));
                consumed.Should().Be(text.Length);
            }
            else
            {
                status.Should().Be(System.Buffers.OperationStatus.DestinationTooSmall);
                (consumed, written).Should().Be((0, 0));
            }
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task Init_json_names_a_file_under_a_folder_with_an_apostrophe_accents_cjk_and_an_emoji_as_it_is()
    {
        using var folder = new TempFolder();
        var place = Directory.CreateDirectory(Path.Combine(folder.Path, "Zoë's 李 😀")).FullName;
        var file = Path.Combine(place, "cmsuser.json");

        var init = await Cli.RunAsync(folder.Path, null, "init", "wordpress", "--settings", file, "--json");

        init.ExitCode.Should().Be(0, init.ToString());
        init.Stdout.Should().Contain("Zoë's 李 😀").And.NotContain("\\u");
        init.Json.GetProperty("file").GetString().Should().Be(file);
    }
}
