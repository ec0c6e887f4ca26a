using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.Backdrop;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>docs/cms-backdrop.md is the wire contract: the fake and the error mapping must say the same.</summary>
public sealed partial class DocsAgreementTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "cms-backdrop.md"));

    public static TheoryData<string, string> DocumentedRoutes()
    {
        var data = new TheoryData<string, string>();
        foreach (Match m in RouteRow().Matches(Doc))
        {
            data.Add(m.Groups[1].Value, m.Groups[2].Value);
        }

        return data;
    }

    public static TheoryData<string, int, string> DocumentedErrors()
    {
        var data = new TheoryData<string, int, string>();
        foreach (Match m in ErrorRow().Matches(Doc))
        {
            data.Add(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[3].Value);
        }

        return data;
    }

    [Fact]
    public void The_documented_routes_are_exactly_the_fake_routes()
    {
        var documented = DocumentedRoutes().Select(row => $"{row[0]} {row[1]}");

        documented.Should().BeEquivalentTo(FakeBackdropServer.Routes);
    }

    [Theory]
    [MemberData(nameof(DocumentedRoutes))]
    public async Task The_fake_serves_every_documented_route(string method, string path)
    {
        using var server = FakeBackdropServer.Start();
        server.AddUser("jdoe", "jdoe@example.org");
        using var client = new HttpClient();
        var url = new Uri(server.BaseUrl, path.TrimStart('/').Replace("{uid}", "2", StringComparison.Ordinal) + (method == "GET" && path.EndsWith("/users", StringComparison.Ordinal) ? "?mail=jdoe%40example.org" : string.Empty));
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Secret);
        if (method == "POST")
        {
            var body = path.EndsWith("/users", StringComparison.Ordinal) ? "{\"name\":\"new\",\"mail\":\"new@example.org\"}"
                : path.EndsWith("/roles", StringComparison.Ordinal) ? "{\"add\":[\"editor\"]}"
                : path.EndsWith("/remove-roles", StringComparison.Ordinal) ? "{\"remove\":[\"editor\"]}"
                : path.EndsWith("/mail", StringComparison.Ordinal) ? "{\"op\":\"password_reset\"}"
                : string.Empty;
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().BeOneOf(HttpStatusCode.OK, HttpStatusCode.Created);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
    }

    [Theory]
    [MemberData(nameof(DocumentedErrors))]
    public void Every_documented_error_code_maps_to_the_documented_reason(string code, int status, string reason)
    {
        var body = $"{{\"code\":\"{code}\",\"message\":\"m\"}}";

        var ex = BackdropErrors.FromResponse((HttpStatusCode)status, "application/json", body, isCreate: code.StartsWith("duplicate", StringComparison.Ordinal));

        ex.Reason.ToString().Should().Be(reason);
        ex.ErrorCode.Should().Be(code);
        ex.StatusCode.Should().Be(status);
    }

    [Fact]
    public void The_docs_list_every_error_code_the_module_can_answer()
    {
        var module = File.ReadAllText(Path.Combine(RepoRoot(), "integrations", "backdrop", "cmsuser_provision", "cmsuser_provision.module"));
        var moduleCodes = ModuleErrorCode().Matches(module).Select(m => m.Groups[1].Value).ToHashSet();
        var documented = DocumentedErrors().Select(row => (string)row[0]).ToHashSet();

        moduleCodes.Should().NotBeEmpty();
        documented.Should().BeEquivalentTo(moduleCodes);
    }

    private static string RepoRoot([CallerFilePath] string thisFile = "")
    {
        // The documents are copied next to the tests (see the csproj): CI builds map source paths to /_/.
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, "docs", "cms-backdrop.md")))
        {
            return AppContext.BaseDirectory;
        }

        var dir = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "cms-backdrop.md")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("docs/cms-backdrop.md not found above " + thisFile);
    }

    // | `POST` | `/api/cmsuser/v1/users/{uid}/roles` | ...
    [GeneratedRegex(@"^\|\s*`(GET|POST)`\s*\|\s*`(/api/cmsuser/v1/[^`?]*)`", RegexOptions.Multiline)]
    private static partial Regex RouteRow();

    // | `duplicate_name` | 409 | ... | `DuplicateUsername` |
    [GeneratedRegex(@"^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|[^|\n]*\|\s*`(\w+)`", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();

    // cmsuser_provision_error(409, 'duplicate_mail', ...
    [GeneratedRegex(@"cmsuser_provision_error\(\d{3}, '([a-z_]+)'")]
    private static partial Regex ModuleErrorCode();
}
