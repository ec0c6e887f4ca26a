using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>What a new user meets first: shared emails, servers that go away, unclear messages (found by trying the tool).</summary>
public sealed class NewUserTests
{
    [Fact(Timeout = 120_000)]
    public async Task Two_contacts_with_one_email_get_one_account_and_the_second_fails_naming_the_holder()
    {
        using var sites = new Sites();
        var first = sites.AddMember("Pat", "One", "pat@example.org");
        var second = sites.AddMember("Pat", "Two", "pat@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");

        run.ExitCode.Should().Be(1, run.ToString());
        sites.WordPress.Users.Where(u => u.Email == "pat@example.org").Should().ContainSingle(run.ToString());
        var contacts = run.Json.GetProperty("contacts").EnumerateArray().ToDictionary(c => c.GetProperty("contactId").GetInt64());
        var outcomes = new[] { first, second }.Select(id => contacts[id].GetProperty("outcome").GetString()).ToList();
        outcomes.Should().ContainSingle(o => o == "created", run.ToString());
        var loser = new[] { first, second }.Single(id => contacts[id].GetProperty("outcome").GetString() != "created");
        var winner = loser == first ? second : first;
        var error = contacts[loser].GetProperty("error");
        error.GetProperty("kind").GetString().Should().Be("Permanent", run.ToString());
        error.GetProperty("message").GetString().Should().Contain(winner.ToString(System.Globalization.CultureInfo.InvariantCulture), "the error names the contact that holds the account");
        sites.Civi.Links.Should().ContainSingle(l => l.ContactId == winner);
        sites.Civi.Links.Should().NotContain(l => l.ContactId == loser);
    }
}
