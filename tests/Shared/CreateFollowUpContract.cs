using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A provider that sends a request of its own after its create (the new-account or reset email, a check or a removal)
/// finishes it once the site has the account, whatever the caller's token says by then, as the engine finishes a write it
/// sent (docs/architecture.md, "Real time, races and cancellation"): the caller gets the account, and the person gets the
/// email. Abandoned, the follow-up left an account without its email and the caller with a cancellation instead of the
/// account. Each provider whose create has a follow-up derives from this once, over its fake site; the site's per-request
/// rule (<see cref="IFakeCmsServer.FaultWhere"/>) cancels the caller's token the moment the follow-up arrives, so the
/// cancellation falls exactly between the create's answer and the follow-up's.
/// </summary>
public abstract class CreateFollowUpContract : OwnedTestResources
{
    private ICmsAccountProvider? _provider;
    private IFakeCmsServer? _site;
    private Func<string, int> _mailsTo = _ => 0;

    /// <summary>Whether <paramref name="request"/> is the provider's follow-up after the create.</summary>
    protected abstract bool IsFollowUp(FakeFaultRequest request);

    /// <summary>What the create's own request meets (Standalone: an answer it reads back, so the follow-up is its recovery); none by default.</summary>
    protected virtual FakeFault? CreateFault => null;

    /// <summary>What the provider reports about the email once the follow-up is done.</summary>
    protected virtual CmsNotification Reported => CmsNotification.Sent;

    /// <summary>How many emails the site sent to the address once the follow-up is done.</summary>
    protected virtual int MailsAfterFollowUp => 1;

    /// <summary>The account created (a Standalone user needs its contact).</summary>
    protected virtual NewCmsAccount NewAccount(string username, string email) => new() { Username = username, Email = email, Notify = true };

    /// <summary>Sets the provider under test, its fake site and how to count the emails the site sent to an address.</summary>
    protected void Use(ICmsAccountProvider provider, IFakeCmsServer site, Func<string, int> mailsTo)
    {
        _provider = provider;
        _site = site;
        _mailsTo = mailsTo;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_cancellation_once_the_create_is_answered_does_not_abandon_its_follow_up()
    {
        var provider = _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");
        var site = _site!;
        const string Email = "cora.cancel@example.org";
        using var caller = new CancellationTokenSource();
        var followUps = 0;
        site.FaultWhere = r =>
        {
            if (r.Operation == FakeCmsOperation.Create)
            {
                return CreateFault;
            }

            if (IsFollowUp(r) && Interlocked.Increment(ref followUps) == 1)
            {
                // The caller gives up while the follow-up is on its way: its answer is still awaited.
                try
                {
                    caller.Cancel();
                }
                catch (AggregateException)
                {
                    // A rule must not throw; a callback's failure is not what this test is about.
                }
            }

            return null;
        };

        var created = await provider.CreateAsync(NewAccount("cora.cancel", Email), caller.Token);

        caller.IsCancellationRequested.Should().BeTrue("the caller cancelled once the follow-up was sent");
        followUps.Should().BeGreaterThanOrEqualTo(1);
        created.UserId.Should().BePositive();
        created.Notification.Should().Be(Reported, "the follow-up was answered, not abandoned");
        site.Users.Should().ContainSingle(u => string.Equals(u.Email, Email, StringComparison.OrdinalIgnoreCase)).Which.Id.Should().Be(created.UserId);
        _mailsTo(Email).Should().Be(MailsAfterFollowUp);
    }
}
