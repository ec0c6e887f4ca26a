using System.Reflection;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>One closed set of error codes: the constants, docs/errors.md and what the engine reports agree.</summary>
public sealed partial class ErrorCodeTests
{
    private static readonly string[] Codes = [.. typeof(CmsUserErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)];

    [Fact]
    public void Codes_are_distinct_snake_case()
    {
        Codes.Should().NotBeEmpty().And.OnlyHaveUniqueItems();
        Codes.Should().OnlyContain(c => SnakeCase().IsMatch(c));
    }

    [Fact]
    public void Docs_table_lists_exactly_the_constants()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "errors.md"));
        var documented = TableCode().Matches(doc).Select(m => m.Groups[1].Value).ToArray();

        documented.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(Codes);
        foreach (Match row in TableRow().Matches(doc))
        {
            row.Groups["cause"].Value.Trim().Should().NotBeEmpty(row.Value);
            row.Groups["fix"].Value.Trim().Should().NotBeEmpty(row.Value);
        }
    }

    [Fact]
    public void Every_CMS_reason_and_exception_maps_into_the_set()
    {
        foreach (var reason in Enum.GetValues<CmsErrorReason>())
        {
            Codes.Should().Contain(CmsUserErrorCodes.For(reason));
            Codes.Should().Contain(CmsUserErrorCodes.For(new CmsProviderException("X", reason, "m", errorCode: "server_own_code")));
        }

        Enum.GetValues<CmsErrorReason>().Select(CmsUserErrorCodes.For).Should().OnlyHaveUniqueItems("each reason has its own code");
        CmsUserErrorCodes.For(new CmsUserConfigurationException("bad")).Should().Be(CmsUserErrorCodes.ConfigurationError);
    }

    [Fact(Timeout = 30_000)]
    public async Task Representative_failures_through_the_engine_carry_only_codes_of_the_set()
    {
        using var h = new EngineHarness();
        h.Member("No", "Email", null);
        h.Member("On", "Hold", "hold@example.org", c => c with { EmailOnHold = true });
        h.Member("Bad", "Address", "not an email");
        var reasons = Enum.GetValues<CmsErrorReason>();
        foreach (var reason in reasons)
        {
            var email = $"{reason.ToString().ToLowerInvariant()}@example.org";
            h.Member(reason.ToString(), "Person", email);
            h.Cms.FailCreateFor(email, () => new CmsProviderException("InMemory", reason, "refused", errorCode: "cms_" + reason));
        }

        // A separate site: a configuration failure above (refused credentials) stops the run before later contacts.
        using var h2 = new EngineHarness();
        var taken = h2.Cms.AddAccount("taken", "held@example.org");
        h2.Member("Linked", "Elsewhere", "held@example.org");
        var other = h2.Civi.AddContact("Other", "Person", "other@example.org");
        h2.Civi.AddLink(new AccountLink(other.Id, taken.Id, "held@example.org", IsCurrentDomain: true));

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: bound.Token);
        var missing = await h.Provisioner.ProvisionAsync(999_999, cancellationToken: bound.Token);
        var held = await h2.Provisioner.RunOnceAsync(cancellationToken: bound.Token);

        var codes = summary.Failures.Concat(held.Failures).Select(f => f.Error!.Code).Append(missing.Error!.Code).ToArray();
        codes.Should().OnlyContain(c => Codes.Contains(c));
        codes.Should().Contain([CmsUserErrorCodes.NoEmail, CmsUserErrorCodes.EmailOnHold, CmsUserErrorCodes.InvalidEmail, CmsUserErrorCodes.ContactNotFound, CmsUserErrorCodes.AccountLinkedToOtherContact]);
        h.Civi.Activities.Concat(h2.Civi.Activities).Where(a => a.Details is not null).Select(a => a.Details!.Split(':')[0])
            .Should().NotBeEmpty().And.OnlyContain(c => Codes.Contains(c));
    }

    // From the test binaries up to the solution (source paths are mapped to /_/ in Release builds).
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skvare.CmsUser.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Skvare.CmsUser.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[a-z]+(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex(@"^\| `([a-z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableCode();

    [GeneratedRegex(@"^\| `[a-z0-9_]+` \|[^|]*\|(?<cause>[^|]*)\|(?<fix>[^|]*)\|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
