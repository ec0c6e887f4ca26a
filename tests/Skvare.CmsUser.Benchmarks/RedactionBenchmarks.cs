using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>
/// Cost of taking secrets out of a 64 KB server answer before a failure quotes it (src/Shared/Channel/SecretRedactor,
/// compiled in here as in every HTTP package). Runs on failure paths only: an error answer, an unreadable page.
/// </summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private const int Size = 64 * 1024;

    private SecretRedactor _three = null!;
    private SecretRedactor _many = null!;
    private SecretRedactor _repetitive = null!;
    private string _page = null!;
    private string _json = null!;
    private string _echoes = null!;
    private string _run = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        string Token(int length) => string.Concat(Enumerable.Range(0, length).Select(_ => (char)random.Next('a', 'z' + 1)));

        // A client's own: an API key, a site key and an HTTP Basic header.
        string[] three = [Token(32), Token(32), SecretRedactor.BasicToken("api", "abcd efgh ijkl mnop qrst uvwx")];
        _three = new SecretRedactor(three);
        // Twenty: the configured ones, a 1,000-character JWT, session ids, CSRF tokens, login links, a password.
        string[] many = [.. three, Token(1000), .. Enumerable.Range(0, 16).Select(i => Token(20 + (i * 7)))];
        _many = new SecretRedactor(many);
        _repetitive = new SecretRedactor([new string('a', 1000)]);

        // An HTML page with no escapes (the login page a wrong URL reaches); a JSON error with escapes everywhere;
        // a JSON answer that echoes every one of the twenty secrets five times in different forms; 64 KB of one letter.
        var page = new StringBuilder("<!DOCTYPE html><html><head><title>Log in</title></head><body>");
        while (page.Length < Size)
        {
            page.Append("<p class=\"note\">Please log in to continue. ").Append(Token(40)).Append("</p>\n");
        }

        _page = page.ToString(0, Size);
        var json = new StringBuilder("{\"code\":\"rest_error\",\"message\":\"");
        while (json.Length < Size)
        {
            json.Append("Caf\\u00e9 \\/path\\/to \\u003Cb\\u003E ").Append(Token(30)).Append(" &amp; ");
        }

        _json = json.ToString(0, Size);
        var echoes = new StringBuilder("{\"debug\":[");
        for (var i = 0; echoes.Length < Size; i++)
        {
            var secret = many[i % many.Length];
            echoes.Append(JsonSerializer.Serialize((i % 5) switch
            {
                0 => secret,
                1 => Uri.EscapeDataString(secret),
                2 => System.Net.WebUtility.HtmlEncode(secret),
                3 => secret.ToUpperInvariant(),
                _ => "Bearer " + secret,
            })).Append(',').Append(JsonSerializer.Serialize(Token(200))).Append(',');
        }

        _echoes = echoes.ToString(0, Size);
        _run = new string('a', Size);
    }

    [Benchmark(Baseline = true, Description = "64 KB HTML page, 3 secrets, none in it")]
    public string PageThreeSecrets() => _three.Redact(_page);

    [Benchmark(Description = "64 KB JSON with escapes, 3 secrets, none in it")]
    public string JsonThreeSecrets() => _three.Redact(_json);

    [Benchmark(Description = "64 KB JSON with escapes, 20 secrets, none in it")]
    public string JsonManySecrets() => _many.Redact(_json);

    [Benchmark(Description = "64 KB JSON echoing 20 secrets (~300 echoes)")]
    public string EchoesManySecrets() => _many.Redact(_echoes);

    [Benchmark(Description = "64 KB of 'a', secret of 1,000 'a' (pathological)")]
    public string RepetitiveSecret() => _repetitive.Redact(_run);
}
