using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// A create whose request the site carried out (its chained username check and reset email ran, as API v4 runs a chain in
/// the create's own request) but whose answer cannot be read: the user is found by its contact, no second email is sent,
/// and the new-account email is reported as unknown, never as sent or failed.
/// </summary>
public sealed class UnknownNotificationTests : IDisposable
{
    private const string CreationType = "User Account Creation";

    private readonly FakeStandaloneServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    private ICmsAccountProvider Provider()
    {
        _services = StandaloneHost.Build(_site);
        return _services.GetRequiredService<ICmsAccountProvider>();
    }

    private static NewCmsAccount Account(string username, string email, long contactId) =>
        new() { Username = username, Email = email, ContactId = contactId, Roles = ["staff"] };

    /// <summary>Every <c>User.create</c> is carried out and then answered with <paramref name="fault"/>.</summary>
    private void FaultCreates(FakeFault fault) => _site.FaultWhere = r => r.Operation == FakeCmsOperation.Create ? fault : null;

    public static TheoryData<string> UnreadableAnswers => ["cut", "no id", "empty"];

    private static FakeFault Answer(string kind) => kind switch
    {
        "cut" => FakeFault.MalformedBody,
        "no id" => FakeFault.AfterProcessing(200, """{"values":[{"username":"jdoe"}],"entity":"User","action":"create","debug":null,"version":4,"count":1,"countFetched":1}""", "application/json"),
        _ => FakeFault.AfterProcessing(200, """{"values":[],"entity":"User","action":"create","debug":null,"version":4,"count":0,"countFetched":0}""", "application/json"),
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(UnreadableAnswers))]
    public async Task An_unreadable_answer_after_the_chained_mail_gives_the_user_with_the_email_unknown_and_sends_no_second_one(string answer)
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        FaultCreates(Answer(answer));

        var account = await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact), Timeout());

        var user = _site.Users.Should().ContainSingle(u => u.Username == "jdoe").Subject;
        account.UserId.Should().Be(user.Id, "the user the request made is found by its contact");
        account.Notification.Should().Be(CmsNotification.Unknown, "the chained email ran, but its answer was not read");
        _site.Mails.Should().ContainSingle("the chained email went out once and is not sent again").Which.To.Should().Be("jdoe@example.org");
        _site.CallCount("User", "sendPasswordResetEmail").Should().Be(0);
        _site.CallCount("User", "create").Should().Be(1, "a create is never sent twice");
        _site.CallCount("User", "delete").Should().Be(0);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_chained_email_the_site_refused_behind_an_unreadable_answer_is_unknown_not_sent()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        _site.PasswordResetTemplateActive = false;
        FaultCreates(FakeFault.MalformedBody);

        var account = await provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact), Timeout());

        account.Notification.Should().Be(CmsNotification.Unknown, "the refusal was in the answer nobody could read");
        _site.Mails.Should().BeEmpty();
        _site.Users.Should().ContainSingle(u => u.Username == "jdoe");
    }

    [Fact(Timeout = 60_000)]
    public async Task An_unreadable_answer_whose_username_an_older_user_holds_removes_the_new_user()
    {
        var other = _site.AddContact("Jo", "Other", "other@example.org");
        var older = _site.AddUser("jdoe", "other@example.org", other);
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var provider = Provider();
        FaultCreates(FakeFault.MalformedBody);

        var act = () => provider.CreateAsync(Account("jdoe", "jdoe@example.org", contact), Timeout());

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        _site.Users.Where(u => u.Username == "jdoe").Select(u => u.Id).Should().Equal(older);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_batch_records_the_created_account_and_says_its_email_is_unknown()
    {
        var group = _site.AddGroup("members");
        var jane = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var tom = _site.AddContact("Tom", "Roe", "troe@example.org");
        _site.AddToGroup(group, [jane, tom]);
        _services = StandaloneHost.Build(_site, engine: o => o.MaxConcurrency = 1);
        _site.FaultWhere = r => r.Operation == FakeCmsOperation.Create && r.Mentions("jdoe@example.org") ? FakeFault.MalformedBody : null;

        var summary = await _services.GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2, string.Join("; ", summary.Failures.Select(f => f.Error!.Message)));
        summary.NotificationsFailed.Should().Be(0, "an unknown email is not a failed one");
        var records = _site.Activities.Where(a => a.Type == CreationType).ToArray();
        records.Should().HaveCount(2).And.OnlyContain(a => a.Status == "Completed");
        records.Single(a => a.Targets.Contains(jane)).Details.Should().Contain("Whether the website sent the new-account email is unknown");
        records.Single(a => a.Targets.Contains(tom)).Details.Should().Contain("reported the new-account email as sent");
        _site.Mails.Select(m => m.To).Should().BeEquivalentTo(["jdoe@example.org", "troe@example.org"], "one email each, none twice");
        _site.Users.Where(u => u.Username != "admin").Should().HaveCount(2);
    }
}
