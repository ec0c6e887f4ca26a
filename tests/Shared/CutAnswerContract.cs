using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A CMS provider's read whose answer is cut short on its way (the fake carries the request out and cuts its body in half,
/// as a proxy that drops the connection's tail does) is asked again under the retry budget, as the CiviCRM client's reads
/// are (session 19): the contact is provisioned with exactly one repeat, and a read cut on every try fails that contact
/// with the typed transient error after the retries. A write (the create, a role change, a block, an email, a login link)
/// whose answer is cut is never sent again: its caller resolves it (a create's outcome is looked up by email). Each CMS
/// provider's tests derive from this once and hand over the provider wired to its fake site (the package's real HTTP
/// pipeline, <see cref="ProviderTestHost.FastHttp"/>'s two retries); the engine runs over the in-memory CiviCRM.
/// </summary>
public abstract class CutAnswerContract : OwnedTestResources
{
    private ICmsAccountProvider? _provider;
    private IFakeCmsServer? _site;
    private FakeCiviCrm? _civi;
    private ServiceProvider? _engine;

    /// <summary>The provider's <c>Http:MaxRetries</c> (the test hosts use 2).</summary>
    protected virtual int MaxRetries => 2;

    /// <summary>A role the fake site knows (for the role changes).</summary>
    protected abstract string Role { get; }

    /// <summary>Whether <paramref name="request"/> is a read (the provider's GET requests by default; a POST that reads where the CMS has one).</summary>
    protected virtual bool IsRead(FakeFaultRequest request) => request.Method == "GET";

    /// <summary>Whether <paramref name="request"/> writes (anything but a GET by default; not a sign-in, which opens a session and is no account's write).</summary>
    protected virtual bool IsWrite(FakeFaultRequest request) => request.Method != "GET";

    /// <summary>The reads this provider answers without a request (no role list, say).</summary>
    protected virtual IReadOnlyCollection<string> ReadsWithoutRequest => [];

    /// <summary>The writes this provider does not send (no login link without a companion, say).</summary>
    protected virtual IReadOnlyCollection<string> WritesWithoutRequest => [];

    /// <summary>Sets the provider under test and its fake site; the engine runs over an in-memory CiviCRM with one group rule.</summary>
    protected void Use(ICmsAccountProvider provider, IFakeCmsServer site)
    {
        _provider = provider;
        _site = site;
        _civi = new FakeCiviCrm();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") }))
            .UseInMemory(_civi, provider);
        _engine = Own(services.BuildServiceProvider());
    }

    private ICmsAccountProvider Provider => _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private IFakeCmsServer Site => _site ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private FakeCiviCrm Civi => _civi ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private IUserProvisioner Provisioner => _engine!.GetRequiredService<IUserProvisioner>();

    private static string Text(FakeFaultRequest r) => $"{r.Method} {r.Path}?{r.Query} {r.Body}";

    private Contact Member(string name)
    {
        var contact = Civi.AddContact("Cut", name, $"cmsread20.{name}@example.org");
        Civi.AddToGroup("members", contact.Id);
        return contact;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_look_up_whose_answer_is_cut_once_is_asked_again_and_the_contact_is_linked()
    {
        // The same provisioning without a fault first: how many look-ups it sends.
        var healthy = Site.AddAccount("cmsread20.healthy", "cmsread20.healthy@example.org");
        var lookUps = new ConcurrentQueue<string>();
        Site.FaultWhere = r =>
        {
            if (r.Operation == FakeCmsOperation.LookUp)
            {
                lookUps.Enqueue(Text(r));
            }

            return null;
        };
        (await Provisioner.ProvisionAsync(Member("healthy").Id)).CmsUserId.Should().Be(healthy.Id);
        var healthyLookUps = lookUps.Count;
        healthyLookUps.Should().BePositive("the provider looks the contact's email up on the site");

        var existing = Site.AddAccount("cmsread20.cutlookup", "cmsread20.cutlookup@example.org");
        var contact = Member("cutlookup");
        lookUps.Clear();
        string? cut = null;
        Site.FaultWhere = r =>
        {
            if (r.Operation != FakeCmsOperation.LookUp)
            {
                return null;
            }

            lookUps.Enqueue(Text(r));
            return Interlocked.CompareExchange(ref cut, Text(r), null) is null ? FakeFault.MalformedBody : null;
        };

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        outcome.Error.Should().BeNull();
        outcome.Kind.Should().Be(OutcomeKind.Linked, "the look-up was asked again and found the account");
        outcome.CmsUserId.Should().Be(existing.Id);
        lookUps.Count.Should().Be(healthyLookUps + 1, "exactly one repeat: the cut look-up, asked once more");
        lookUps.Count(l => l == cut).Should().Be(lookUps.Take(healthyLookUps).Count(l => l == cut) + 1);
        Site.Users.Should().ContainSingle(u => u.Email == existing.Email, "nothing was created");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_look_up_cut_on_every_try_fails_the_contact_with_the_typed_transient_error_after_the_retries()
    {
        // An account with the contact's email: a CMS that creates first (its create refuses a taken email) looks it up then.
        Site.AddAccount("cmsread20.alwayscut", "cmsread20.alwayscut@example.org");
        var contact = Member("alwayscut");
        var lookUps = new ConcurrentQueue<string>();
        Site.FaultWhere = r =>
        {
            if (r.Operation != FakeCmsOperation.LookUp)
            {
                return null;
            }

            lookUps.Enqueue(Text(r));
            return FakeFault.MalformedBody;
        };

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        outcome.Kind.Should().Be(OutcomeKind.Failed);
        outcome.Error!.Kind.Should().Be(FailureKind.Transient, "a later run tries the contact again");
        outcome.Error.Code.Should().Be(CmsUserErrorCodes.CmsUnavailable);
        outcome.Error.Message.Should().Contain("cut short");
        lookUps.Should().HaveCount(MaxRetries + 1, "the first try and Http:MaxRetries more, then the contact fails").And.OnlyContain(l => l == lookUps.First());
        Site.Users.Should().ContainSingle(u => u.Email == contact.Email, "nothing was created");
        Civi.Activities.Should().NotContain(a => a.ContactId == contact.Id && a.Status == ActivityOutcomeStatus.Failed, "a transient failure uses no attempt");
        Civi.Links.Should().NotContain(l => l.ContactId == contact.Id);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_create_whose_answer_is_cut_is_sent_once_and_its_account_is_found_by_email()
    {
        var contact = Member("cutcreate");
        var creates = 0;
        Site.FaultWhere = r =>
        {
            if (r.Operation != FakeCmsOperation.Create)
            {
                return null;
            }

            Interlocked.Increment(ref creates);
            return FakeFault.MalformedBody;
        };

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        creates.Should().Be(1, "a create is never sent again, whatever happened to its answer");
        var account = Site.Users.Should().ContainSingle(u => u.Email == contact.Email, "the site created it once").Subject;
        // The create's outcome was unknown; the engine looked the email up and found the account the site made.
        outcome.Error.Should().BeNull();
        outcome.Kind.Should().BeOneOf(OutcomeKind.Created, OutcomeKind.Linked);
        outcome.CmsUserId.Should().Be(account.Id);
        Civi.Links.Should().ContainSingle(l => l.ContactId == contact.Id).Which.CmsUserId.Should().Be(account.Id);
        var audits = Civi.Activities.Where(a => a.ContactId == contact.Id && a.Kind == ActivityKind.AccountCreation).ToList();
        audits.Should().NotContain(a => a.Status == ActivityOutcomeStatus.Failed);
        audits.Count(a => a.Status == ActivityOutcomeStatus.Completed).Should().Be(1, "one Completed record: the account is this contact's");
    }

    public static TheoryData<string> Reads => ["email", "username", "id", "roles", "connectivity"];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Reads))]
    public async Task A_read_whose_answer_is_cut_once_is_asked_again_and_answers(string read)
    {
        var account = Site.AddAccount("cmsread20.reader", "cmsread20.reader@example.org");
        var reads = new ConcurrentQueue<string>();
        string? cut = null;
        Site.FaultWhere = r =>
        {
            if (!IsRead(r))
            {
                return null;
            }

            reads.Enqueue(Text(r));
            return Interlocked.CompareExchange(ref cut, Text(r), null) is null ? FakeFault.MalformedBody : null;
        };

        switch (read)
        {
            case "email":
                (await Provider.FindByEmailAsync(account.Email))!.UserId.Should().Be(account.Id);
                break;
            case "username":
                (await Provider.FindByUsernameAsync(account.Username))!.UserId.Should().Be(account.Id);
                break;
            case "id":
                (await Provider.GetByIdAsync(account.Id))!.Email.Should().Be(account.Email);
                break;
            case "roles":
                var check = await ((ICmsRoleCatalog)Provider).CheckRolesAsync([Role]);
                check.Unknown.Should().BeEmpty();
                break;
            default:
                var report = await Provider.CheckConnectivityAsync();
                report.Checks.Should().OnlyContain(c => c.Passed, "every check passes once the cut answer is asked again");
                break;
        }

        if (ReadsWithoutRequest.Contains(read))
        {
            cut.Should().BeNull("{0} sends no request on this CMS", read);
            return;
        }

        cut.Should().NotBeNull("the {0} read sends a request", read);
        reads.Count(r => r == cut).Should().Be(2, "the cut read was asked exactly once more");
    }

    public static TheoryData<string> Writes => ["add roles", "remove roles", "block", "unblock", "password reset", "login link"];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Writes))]
    public async Task A_write_whose_answer_is_cut_is_not_sent_again(string write)
    {
        var user = Site.AddAccount("cmsread20.writer", "cmsread20.writer@example.org");
        var account = (await Provider.GetByIdAsync(user.Id))!;

        // What the write undoes is done first, without a fault.
        if (write == "remove roles")
        {
            await Provider.AddRolesAsync(account, [Role]);
            account = (await Provider.GetByIdAsync(user.Id))!;
        }
        else if (write == "unblock")
        {
            await Provider.BlockAsync(account);
            account = (await Provider.GetByIdAsync(user.Id))!;
        }

        var writes = new ConcurrentQueue<string>();
        Site.FaultWhere = r =>
        {
            if (!IsWrite(r))
            {
                return null;
            }

            writes.Enqueue(Text(r));
            return FakeFault.MalformedBody;
        };

        try
        {
            switch (write)
            {
                case "add roles": await Provider.AddRolesAsync(account, [Role]); break;
                case "remove roles": await Provider.RemoveRolesAsync(account, [Role]); break;
                case "block": await Provider.BlockAsync(account); break;
                case "unblock": await Provider.UnblockAsync(account); break;
                case "password reset": await Provider.SendPasswordResetAsync(account); break;
                default: await Provider.CreateOneTimeLoginLinkAsync(account); break;
            }
        }
        catch (CmsProviderException ex)
        {
            // The answer was unusable: a typed failure, and the write is left to its caller (nothing repeats it).
            if (ex.InnerException?.GetType().Name == "CutAnswerException")
            {
                ex.Message.Should().NotContain("every try", "a write's cut answer is not asked for again (session 21)")
                    .And.Contain("may have been carried out");
            }
        }

        if (WritesWithoutRequest.Contains(write))
        {
            writes.Should().BeEmpty("{0} sends no request on this CMS", write);
            return;
        }

        writes.Should().NotBeEmpty("the {0} write sends a request", write);
        writes.Should().OnlyHaveUniqueItems("a write whose answer was cut is never sent again");
    }
}
