namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The Username column of <c>cmsuser reset</c>: a reset reads no account, and the link stores the account's email, not its
/// username (found in trial13: the column showed the email as if it were the username).
/// </summary>
public sealed class ResetUsernameTests
{
    [Fact(Timeout = 120_000)]
    public async Task Reset_says_the_username_was_not_read_instead_of_showing_the_stored_email()
    {
        using var sites = new Sites();
        var ana = sites.AddLinkedContact("Ana", "Lima", "ana@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var reset = await Cli.RunAsync(folder.Path, null, "reset", "--json");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        var table = await Cli.RunAsync(folder.Path, null, "reset");

        reset.ExitCode.Should().Be(0, reset.ToString());
        var sent = reset.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        sent.GetProperty("username").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "the email the link stores is not the username");
        sent.GetProperty("accountId").GetInt64().Should().Be(sites.WordPress.FindUser("ana.lima")!.Id);
        table.ExitCode.Should().Be(0, table.ToString());
        table.Stdout.Should().MatchRegex($@"\b{ana}\s+migration\s+Sent\s+\(not read\)\s+{sites.WordPress.FindUser("ana.lima")!.Id}\b")
            .And.NotContain("ana@example.org");
        sites.WordPress.Mails.Should().HaveCount(2).And.OnlyContain(m => m.To == "ana@example.org");
    }

    [Fact]
    public void Only_a_reset_of_a_linked_account_says_not_read()
    {
        var reset = new ProvisioningOutcome { ContactId = 1, Kind = OutcomeKind.Linked, CmsUserId = 5 };
        var noAccount = new ProvisioningOutcome { ContactId = 2, Kind = OutcomeKind.Failed };
        var created = new ProvisioningOutcome { ContactId = 3, Kind = OutcomeKind.Created, CmsUserId = 6, Username = "ana.lima" };

        Output.UsernameCell(reset, Verbs.Reset).Should().Be("(not read)");
        Output.UsernameCell(noAccount, Verbs.Reset).Should().BeEmpty("a contact without an account has no username to read");
        Output.UsernameCell(reset, Verbs.Provision).Should().BeEmpty();
        Output.UsernameCell(created, Verbs.Provision).Should().Be("ana.lima");
    }
}
