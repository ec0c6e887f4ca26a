using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The admin trial on the real CiviCRM 6.17.2 + WordPress 6.1.9 (email24): CiviCRM takes a non-ASCII address, WordPress's
/// <c>is_email()</c> takes only ASCII and refuses the create (<c>cms_invalid_email</c>). Planned as a create, the contact
/// spent all 4 attempts over 4 runs. The same address is refused on every run, so it gives up at once, as a contact whose
/// email the SDK finds malformed does: one Failed record naming the address, out of the trigger after one run.
/// </summary>
public sealed class RefusedEmailTests : IDisposable
{
    private const string Unicode = "ünï-ta24@exämple.org";
    private readonly FakeSite _site = FakeSite.Start(0, concurrency: 1);

    public void Dispose() => _site.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact(Timeout = 120_000)]
    public async Task An_address_WordPress_refuses_gives_up_at_the_first_run_with_one_failed_record()
    {
        var ana = _site.Civi.AddContact("Ana", "Lima", Unicode);
        var bea = _site.Civi.AddContact("Bea", "Costa", "bea@example.org");
        _site.Civi.AddToGroup(_site.Members, [ana, bea]);

        var run = await _site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        run.Count(OutcomeKind.Created).Should().Be(1, "the other contact is not held up");
        var failure = run.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ana);
        failure.Kind.Should().Be(OutcomeKind.GaveUp);
        failure.Attempt.Should().Be(1);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.CmsInvalidEmail);
        var record = _site.Civi.Activities.Where(a => a.Targets.Contains(ana)).Should().ContainSingle().Subject;
        record.Status.Should().Be("Failed");
        record.Details.Should().StartWith("cms_invalid_email: ")
            .And.Contain($"The CMS does not accept the primary email address '{Unicode}'")
            .And.EndWith("No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.")
            .And.NotContain(_site.WordPress.ApplicationPassword);
        _site.Civi.GroupStatus(_site.Members, ana).Should().Be("Removed");
        _site.WordPress.Users.Should().NotContain(u => u.Email == Unicode);

        var next = await _site.Provisioner.RunOnceAsync(cancellationToken: Timeout());
        next.Total.Should().Be(0, "the contact left the trigger: no second attempt");
    }
}
