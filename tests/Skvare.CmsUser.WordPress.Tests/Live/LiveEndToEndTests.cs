using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>One end-to-end batch: the engine, the CiviCRM package over HTTP against the fake CiviCRM, and the real WordPress.</summary>
[Trait("Category", "Live")]
public sealed class LiveEndToEndTests : IDisposable
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    private readonly LiveEngine _live = new();
    private readonly FakeCiviCrmServer _civi;

    public LiveEndToEndTests() => _civi = _live.Civi;

    public void Dispose() => _live.Dispose();

    private (IUserProvisioner Engine, ICmsAccountProvider WordPress) Start(bool companion) => _live.Start(
        o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
            o.PasswordResets.Add(new PasswordResetCampaign { Name = "reset", Trigger = TriggerDefinition.Tag("send_reset") });
            o.PageSize = 4;
        },
        companion);

    [LiveWordPressFact]
    public async Task A_batch_creates_real_WordPress_accounts_links_them_in_CiviCRM_and_runs_a_reset_campaign()
    {
        var members = _civi.AddGroup("members");
        var done = _civi.AddGroup("members_done");
        var resetTag = _civi.AddTag("send_reset");
        var contacts = Enumerable.Range(1, 9).Select(i => _civi.AddContact("Live", $"E2e{RunId}n{i}", $"e2e-{RunId}-{i}@example.org")).ToList();
        var noEmail = _civi.AddContact("Live", $"E2e{RunId}none", null);
        contacts.Add(noEmail);
        _civi.AddToGroup(members, contacts);
        var (provisioner, wordpress) = Start(companion: true);
        // One contact's email already has a WordPress account: it is linked, not duplicated.
        var existing = await wordpress.CreateAsync(new NewCmsAccount { Username = $"pre-{RunId}", Email = $"e2e-{RunId}-1@example.org", Password = "Pre-Existing-Pass-1" });

        var summary = await provisioner.RunOnceAsync();

        summary.StopReason.Should().BeNull();
        summary.Count(OutcomeKind.Created).Should().Be(8);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        summary.Count(OutcomeKind.GaveUp).Should().Be(1);
        for (var i = 1; i <= 9; i++)
        {
            var account = await wordpress.FindByEmailAsync($"e2e-{RunId}-{i}@example.org");
            account.Should().NotBeNull();
            _civi.Links.Should().Contain(l => l.ContactId == contacts[i - 1] && l.UfId == account!.UserId);
            if (i > 1)
            {
                account!.Username.Should().Be($"live.e2e{RunId}n{i}".ToLowerInvariant());
                account.Roles.Should().Equal("subscriber");
            }
        }

        _civi.Links.Should().Contain(l => l.ContactId == contacts[0] && l.UfId == existing.UserId);
        _civi.Activities.Count(a => a.Status == "Completed").Should().Be(9);
        _civi.Activities.Should().ContainSingle(a => a.Status == "Failed").Which.Targets.Should().Equal(noEmail);
        contacts.Should().OnlyContain(c => _civi.GroupStatus(members, c) == "Removed");
        contacts.Take(9).Should().OnlyContain(c => _civi.GroupStatus(done, c) == "Added");

        // A second run finds nothing to do; a reset campaign mails one linked contact through WordPress.
        (await provisioner.RunOnceAsync()).Total.Should().Be(0);
        _civi.TagContacts(resetTag, [contacts[2]]);
        var reset = await provisioner.ResetPasswordsAsync();
        reset.Count(OutcomeKind.Linked).Should().Be(1);
        _civi.HasTag(resetTag, contacts[2]).Should().BeFalse();
        MailSubjectsTo($"e2e-{RunId}-3@example.org").Should().Contain(s => s.Contains("Password Reset", StringComparison.OrdinalIgnoreCase));
    }

    [LiveWordPressCompanionFact("0.2.2")]
    public async Task A_contact_whose_new_account_email_fails_is_still_created_linked_and_completed_with_the_failure_in_its_activity()
    {
        var members = _civi.AddGroup("members");
        var done = _civi.AddGroup("members_done");
        var mailed = _civi.AddContact("Live", $"Mail{RunId}ok", $"mail-{RunId}-ok@example.org");
        var unmailed = _civi.AddContact("Live", $"Mail{RunId}fails", $"mail-{RunId}-fails@mail-fails.invalid");
        _civi.AddToGroup(members, [mailed, unmailed]);
        var (provisioner, wordpress) = Start(companion: true);

        var summary = await provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(2, "a failed email does not fail the contact");
        var account = await wordpress.FindByEmailAsync($"mail-{RunId}-fails@mail-fails.invalid");
        _civi.Links.Should().Contain(l => l.ContactId == unmailed && l.UfId == account!.UserId);
        var activity = _civi.Activities.Where(a => a.Targets.Contains(unmailed)).Should().ContainSingle().Subject;
        activity.Status.Should().Be("Completed");
        activity.Subject.Should().Be($"Created : {account!.Username} ({account.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)})", "the spec's subject stays as it is");
        activity.Details.Should().Contain("The new-account email could not be sent by the website: ").And.Contain("wp_mail");
        _civi.Activities.Where(a => a.Targets.Contains(mailed)).Should().ContainSingle().Which.Details.Should().Contain("The website reported the new-account email as sent.");
        summary.NotificationsFailed.Should().Be(1);
        _civi.GroupStatus(done, unmailed).Should().Be("Added");
        LiveWordPressSite.Require().MailsTo($"mail-{RunId}-fails@mail-fails.invalid").Should().BeEmpty();
        LiveWordPressSite.Require().MailsTo($"mail-{RunId}-ok@example.org").Should().ContainSingle();
        var warnings = _live.Logs.GetSnapshot().Where(r => r.Id.Id == 3004).ToList();
        warnings.Should().ContainSingle("only the contact whose email failed").Which.Message.Should().Contain(account!.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static List<string> MailSubjectsTo(string email) => [.. LiveWordPressSite.Require().MailsTo(email).Select(m => m.Subject)];
}
