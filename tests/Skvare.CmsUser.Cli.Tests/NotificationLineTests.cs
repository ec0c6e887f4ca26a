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
        NotificationFailureReason = notification == CmsNotification.Failed ? CmsNotificationFailure.MailRefused : null,
    };

    private static ProvisioningOutcome Unreached(long id, string text) => Created(id, CmsNotification.Failed) with
    {
        NotificationFailure = text,
        NotificationFailureReason = CmsNotificationFailure.SiteUnreachable,
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

    [Fact]
    public void Emails_not_sent_because_the_website_could_not_be_reached_do_not_blame_its_mail()
    {
        // Regression (trial17, real WordPress behind a proxy stopped mid-run): the summary said the website could not send
        // the emails and to fix its mail, while the activities said the website could not be reached.
        var unreached = new[] { Unreached(4, "WordPress could not be reached (call: send a password reset email; HttpRequestException: Connection refused (127.0.0.1:18917))."), Unreached(8, "WordPress answered HTTP 502 Bad Gateway.") };
        var mixed = unreached.Append(Created(5, CmsNotification.Failed)).ToArray();

        Output.NotificationLine(Summary(unreached), unreached).Should()
            .StartWith("2 new-account emails could not be sent (contact 4, 8): the website could not be reached or did not answer when asked to send them. ")
            .And.Contain("Once the site answers again, send them a password reset").And.NotContain("mail works");
        Output.NotificationLine(Summary(unreached[..1]), unreached[..1]).Should().StartWith("1 new-account email could not be sent (contact 4): the website could not be reached or did not answer when asked to send it. ");
        Output.NotificationLine(Summary(mixed), mixed).Should()
            .StartWith("3 new-account emails could not be sent (contact 4, 5, 8): the website could not send some and could not be reached or did not answer for the others.")
            .And.Contain("their activities say which");
    }

    [Fact]
    public void The_line_follows_the_reason_the_provider_gave_not_the_words_of_its_message()
    {
        // A server error without the words "could not be reached" is still a site gone away; a mail server's words
        // "could not be reached" are still the site's mail.
        var gone = new[] { Unreached(4, "WordPress answered HTTP 503 Service Unavailable.") };
        var mail = new[] { Created(5, CmsNotification.Failed) with { NotificationFailure = "SMTP host smtp.example.org could not be reached" } };

        Output.NotificationLine(Summary(gone), gone).Should().Contain("the website could not be reached or did not answer when asked to send it").And.NotContain("mail works");
        Output.NotificationLine(Summary(mail), mail).Should().StartWith("1 new-account email could not be sent by the website (contact 5): ").And.Contain("Once the site's mail works");
    }

    [Fact]
    public void Emails_whose_failure_has_no_known_reason_name_both_causes()
    {
        var unknown = new[] { Created(6, CmsNotification.Failed) with { NotificationFailureReason = CmsNotificationFailure.Unknown }, Unreached(7, "no answer") };
        var missing = new[] { Created(6, CmsNotification.Failed) };

        Output.NotificationLine(Summary(unknown), unknown).Should()
            .StartWith("2 new-account emails could not be sent (contact 6, 7): the accounts exist and are linked, and their activities say why. ")
            .And.Contain("Once the site answers and its mail works");
        // A count the outcomes do not account for (outcomes the host did not keep) is not read as mail the site refused.
        Output.NotificationLine(Summary(missing) with { NotificationsFailed = 2 }, missing).Should()
            .StartWith("2 new-account emails could not be sent (contact 6): the accounts exist and are linked, and their activities say why.");
    }
}
