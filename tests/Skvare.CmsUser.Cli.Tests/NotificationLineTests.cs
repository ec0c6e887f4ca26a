namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The run's summary names the accounts whose new-account email the website could not send, so an admin can send them
/// a password reset once the site's mail works.
/// </summary>
public sealed class NotificationLineTests
{
    private static ProvisioningOutcome Created(long id, CmsNotification notification) => new()
    {
        ContactId = id,
        Kind = OutcomeKind.Created,
        Rule = "members",
        CmsUserId = 100 + id,
        Notification = notification,
        NotificationFailure = notification == CmsNotification.Failed ? "SMTP connect() failed" : null,
    };

    private static RunSummary Summary(params ProvisioningOutcome[] outcomes) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(1),
        Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Created] = outcomes.Length },
        Failures = [],
        NotificationsFailed = outcomes.Count(o => o.Notification == CmsNotification.Failed),
    };

    [Fact]
    public void Failed_emails_are_counted_with_their_contacts_and_the_way_to_send_them_again()
    {
        var outcomes = new[] { Created(7, CmsNotification.Failed), Created(3, CmsNotification.Sent), Created(5, CmsNotification.Failed), Created(9, CmsNotification.Unknown) };

        var line = Output.NotificationLine(Summary(outcomes), outcomes);

        line.Should().StartWith("2 new-account emails could not be sent by the website (contact 5, 7): ")
            .And.Contain("the accounts exist and are linked")
            .And.Contain("cmsuser reset");
    }

    [Fact]
    public void A_run_whose_emails_went_out_or_are_unknown_has_no_line()
    {
        var outcomes = new[] { Created(3, CmsNotification.Sent), Created(9, CmsNotification.Unknown), Created(4, CmsNotification.NotRequested) };

        Output.NotificationLine(Summary(outcomes), outcomes).Should().BeNull();
    }

    [Fact]
    public void Many_failed_emails_name_the_first_ten_contacts()
    {
        var outcomes = Enumerable.Range(1, 12).Select(i => Created(i, CmsNotification.Failed)).ToArray();

        var line = Output.NotificationLine(Summary(outcomes), outcomes);

        line.Should().StartWith("12 new-account emails could not be sent by the website (contact 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …): ");
    }
}
