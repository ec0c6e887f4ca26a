using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>How a contract test wants its site: wrong credentials, another base URL, other transport settings.</summary>
/// <param name="WrongCredentials">Configure the provider with a wrong secret/password/token.</param>
/// <param name="BaseUrl">Point the provider here instead of the fake (e.g. a closed port).</param>
/// <param name="Http">Changes to the fast transport settings of <see cref="ProviderTestHost.FastHttp"/>.</param>
/// <param name="Clock">
/// The clock of the provider's HTTP pipeline (attempt timeouts, retry delays), registered as the host's
/// <see cref="TimeProvider"/>; the system clock when <see langword="null"/>.
/// </param>
public sealed record ContractSiteSettings(bool WrongCredentials = false, Uri? BaseUrl = null, Action<HttpClientSettings>? Http = null, TimeProvider? Clock = null);

/// <summary>A fake CMS site and a provider wired to it through the package's registration, as the contract sees them.</summary>
public abstract class ContractSite : IDisposable
{
    /// <summary>The provider under test.</summary>
    public abstract ICmsAccountProvider Provider { get; }

    /// <summary>What the provider logged (at Trace level).</summary>
    public abstract FakeLogCollector Logs { get; }

    /// <summary>Every credential the provider and the fake use, read after the traffic (session ids and tokens included; they must never reach logs, exceptions or the request log's text).</summary>
    public abstract IEnumerable<string> Secrets { get; }

    /// <summary>Requests the fake received so far.</summary>
    public abstract int RequestCount { get; }

    /// <summary>The fake's request log as text (each record's <c>ToString()</c>).</summary>
    public abstract IEnumerable<string> RequestLogText { get; }

    /// <summary>The users the fake holds, in the shape every CMS shares.</summary>
    public abstract IReadOnlyList<FakeCmsUser> Users { get; }

    /// <summary>Seeds an account.</summary>
    public abstract void AddUser(string username, string email);

    /// <summary>
    /// Completes a new account with what this site needs before it can be created (Standalone: a contact with its
    /// email, since a Standalone user belongs to a contact). The default returns it unchanged.
    /// </summary>
    public virtual NewCmsAccount Prepare(NewCmsAccount account) => account;

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/> unhandled.</summary>
    public abstract void FailNext(int count, int status);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answer <paramref name="status"/>.</summary>
    public abstract void FailNextAfterProcessing(int count, int status);

    /// <summary>The fake's fault rule (<see cref="IFakeCmsServer.FaultWhere"/>), asked about every request on arrival.</summary>
    public abstract Func<FakeFaultRequest, FakeFault?>? FaultWhere { get; set; }

    /// <summary>Stops the provider and the fake.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the provider and the fake.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>A <see cref="ContractSite"/> made of a test host and its fake (every CMS fake is an <see cref="IFakeCmsServer"/>).</summary>
/// <param name="host">The test host (provider and, where it owns it, the fake), disposed with the site.</param>
/// <param name="provider">The provider.</param>
/// <param name="logs">Its logs.</param>
/// <param name="site">The fake CMS.</param>
/// <param name="secrets">The credentials, read after the traffic.</param>
/// <param name="prepare">Completes a new account for this site (see <see cref="ContractSite.Prepare"/>); none by default.</param>
public sealed class HostedContractSite(IDisposable host, ICmsAccountProvider provider, FakeLogCollector logs, IFakeCmsServer site, Func<IEnumerable<string>> secrets,
    Func<NewCmsAccount, NewCmsAccount>? prepare = null) : ContractSite
{
    /// <inheritdoc />
    public override ICmsAccountProvider Provider => provider;

    /// <inheritdoc />
    public override FakeLogCollector Logs => logs;

    /// <inheritdoc />
    public override IEnumerable<string> Secrets => secrets();

    /// <inheritdoc />
    public override int RequestCount => site.RequestCount;

    /// <inheritdoc />
    public override IEnumerable<string> RequestLogText => site.RequestLogText;

    /// <inheritdoc />
    public override IReadOnlyList<FakeCmsUser> Users => site.Users;

    /// <inheritdoc />
    public override void AddUser(string username, string email) => site.AddAccount(username, email);

    /// <inheritdoc />
    public override NewCmsAccount Prepare(NewCmsAccount account) => prepare?.Invoke(account) ?? account;

    /// <inheritdoc />
    public override void FailNext(int count, int status) => site.FailNext(count, status);

    /// <inheritdoc />
    public override void FailNextAfterProcessing(int count, int status) => site.FailNextAfterProcessing(count, status);

    /// <inheritdoc />
    public override Func<FakeFaultRequest, FakeFault?>? FaultWhere
    {
        get => site.FaultWhere;
        set => site.FaultWhere = value;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            host.Dispose();
        }
    }
}

/// <summary>
/// What every CMS provider must do, whatever its protocol: its registration is safe to call twice, secrets never reach
/// logs, exceptions or the fake's request log text, parallel creates get distinct accounts, slow answers are retried
/// and end as <see cref="CmsErrorReason.Unavailable"/>, cancellation stays cancellation, and the common failures are
/// classified alike. Each CMS test project derives from this once (with <see cref="ProviderArgumentContract"/> and
/// <see cref="NewAccountNotificationContract"/>) and supplies its fake site.
/// </summary>
public abstract class ProviderContract
{
    private const string Password = "Pa55word-never-logged-7f3a";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Starts a fake site and a provider wired to it.</summary>
    protected abstract ContractSite StartSite(ContractSiteSettings settings);

    /// <summary>
    /// Calls the package's <c>Add…</c> method. The contract calls it twice: <paramref name="first"/> sets the
    /// credentials only, the second call the base URL only, so the provider resolves only when both calls count.
    /// </summary>
    protected abstract void Register(ICmsUserBuilder builder, bool first);

    /// <summary>The provider's concrete type.</summary>
    protected abstract Type ProviderType { get; }

    /// <summary>
    /// Whether the provider finds the account a create made when the create's reply is lost (Standalone looks for the
    /// user of the account's contact): the create then succeeds instead of failing as an unknown outcome.
    /// </summary>
    protected virtual bool RecoversLostCreateReplies => false;

    /// <summary>How many look-ups the provider sends after a create failed without reaching the site's answer (0 by default).</summary>
    protected virtual int CreateRecoveryLookups => 0;

    /// <summary>Finds a seeded or created account the way this CMS hands it out (by email unless said otherwise).</summary>
    protected virtual Task<CmsAccount?> FindAsync(ICmsAccountProvider provider, string username, string email) => provider.FindByEmailAsync(email);

    /// <summary>A new account for this CMS (some CMSs need more than a username and an email).</summary>
    protected virtual NewCmsAccount NewAccount(string username = "jdoe", string email = "jdoe@example.org") =>
        ProviderTestHost.NewAccount(username, email);

    /// <summary>
    /// Whether the CMS's answers say when an account was created (<see cref="CmsAccount.CreatedAt"/>): what lets the engine
    /// record an account a stopped run made as created (docs/cms-support.md, "An account a stopped run created").
    /// </summary>
    protected virtual bool DatesAccounts => false;

    /// <summary>Whether an account found by <see cref="FindAsync"/> carries the date too (some CMSs date only a read by id).</summary>
    protected virtual bool DatesFoundAccounts => DatesAccounts;

    [Fact(Timeout = 60_000)]
    public async Task An_account_read_after_its_create_carries_the_creation_date_the_cms_answers()
    {
        using var site = StartSite(new());
        var now = DateTimeOffset.UtcNow;
        var before = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));

        var created = await site.Provider.CreateAsync(site.Prepare(NewAccount()));
        var after = DateTimeOffset.UtcNow;
        var byId = await site.Provider.GetByIdAsync(created.UserId);
        var found = await FindAsync(site.Provider, "jdoe", "jdoe@example.org");

        foreach (var (account, dated) in new[] { (byId, DatesAccounts), (found, DatesFoundAccounts) })
        {
            account.Should().NotBeNull();
            if (dated)
            {
                // The CMS stamps the account while the create runs, in whole seconds.
                account!.CreatedAt.Should().NotBeNull().And.BeOnOrAfter(before).And.BeOnOrBefore(after);
                account.CreatedAt!.Value.Offset.Should().Be(TimeSpan.Zero);
            }
            else
            {
                account!.CreatedAt.Should().BeNull("this CMS's answers carry no creation date the provider reads");
            }
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Registration_twice_keeps_one_provider()
    {
        static bool IsConfigure(ServiceDescriptor d) => d.ServiceType.IsGenericType
            && (d.ServiceType.GetGenericTypeDefinition() == typeof(Microsoft.Extensions.Options.IConfigureOptions<>)
                || d.ServiceType.GetGenericTypeDefinition() == typeof(Microsoft.Extensions.Options.IPostConfigureOptions<>));

        var services = new ServiceCollection();
        var builder = new TestBuilder(services, null);
        Register(builder, first: true);
        var once = services.Where(d => !IsConfigure(d)).Select(d => d.ServiceType).ToList();
        Register(builder, first: false);
        await using var provider = services.AddLogging().BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        services.Count(d => d.ServiceType == typeof(ICmsAccountProvider)).Should().Be(1);
        services.Where(d => !IsConfigure(d) && d.ServiceType.Namespace?.StartsWith("Microsoft.Extensions.Logging", StringComparison.Ordinal) != true)
            .Select(d => d.ServiceType).Should().BeEquivalentTo(once.Where(t => t.Namespace?.StartsWith("Microsoft.Extensions.Logging", StringComparison.Ordinal) != true),
                "the second call adds option callbacks only (no second provider, validator or client)");
        provider.GetRequiredService<ICmsAccountProvider>().Should().BeOfType(ProviderType, "options from both calls apply");
    }

    [Fact(Timeout = 60_000)]
    public async Task Secrets_and_passwords_never_reach_logs_exception_messages_or_the_request_log()
    {
        using var site = StartSite(new());
        using var wrong = StartSite(new(WrongCredentials: true));
        var messages = new List<string>();

        await site.Provider.CreateAsync(site.Prepare(NewAccount() with { Password = Password }));
        messages.Add(await MessageOf(() => site.Provider.CreateAsync(site.Prepare(NewAccount() with { Password = Password }))));
        site.FailNextAfterProcessing(1, 500);
        var lostReply = () => site.Provider.CreateAsync(site.Prepare(NewAccount("other", "other@example.org") with { Password = Password }));
        if (RecoversLostCreateReplies)
        {
            (await lostReply()).UserId.Should().Be(site.Users.Single(a => a.Email == "other@example.org").Id, "the provider found the account its lost reply created");
        }
        else
        {
            messages.Add(await MessageOf(lostReply));
        }

        messages.Add(await MessageOf(() => wrong.Provider.CreateAsync(wrong.Prepare(NewAccount("third", "third@example.org") with { Password = Password }))));

        var logged = site.Logs.GetSnapshot().Concat(wrong.Logs.GetSnapshot())
            .Select(r => r.Message + " " + r.Exception + " " + string.Join(" ", r.StructuredState?.Select(kv => kv.Value) ?? []))
            .ToList();
        logged.Should().NotBeEmpty("the HTTP client and the provider both log at Trace level here");
        var requestLog = site.RequestLogText.Concat(wrong.RequestLogText).ToList();
        foreach (var secret in site.Secrets.Concat(wrong.Secrets).Append(Password).Where(s => s.Length >= 8))
        {
            logged.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
            messages.Should().NotContain(m => m.Contains(secret, StringComparison.Ordinal));
            requestLog.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Parallel_creates_of_different_people_get_distinct_ids()
    {
        using var site = StartSite(new());

        var created = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => site.Provider.CreateAsync(site.Prepare(NewAccount("user" + i, $"user{i}@example.org")))));

        created.Select(a => a.UserId).Should().OnlyHaveUniqueItems();
        foreach (var i in Enumerable.Range(0, 10))
        {
            (await FindAsync(site.Provider, "user" + i, $"user{i}@example.org")).Should().NotBeNull();
            site.Users.Where(a => a.Email == $"user{i}@example.org").Select(a => a.Id).Should().Equal(created[i].UserId);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_lookup_slower_than_the_attempt_timeout_is_retried()
    {
        // The pipeline runs on a fake clock: the hung attempt times out when the test moves the clock past the attempt
        // timeout, and no ordinary answer can time out, however loaded the machine (with real time, a 1 s timeout
        // also timed out the look-ups that were meant to answer).
        var clock = new FakeTimeProvider();
        using var site = StartSite(new(Http: h => { h.AttemptTimeout = TimeSpan.FromSeconds(1); h.RetryBaseDelay = TimeSpan.Zero; }, Clock: clock));
        site.AddUser("jdoe", "jdoe@example.org");
        var lookUps = new HungLookUps(site, hung: 1);

        var find = FindAsync(site.Provider, "jdoe", "jdoe@example.org");
        var first = await lookUps.NextHungAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        var found = await find.WaitAsync(Bound);

        found.Should().NotBeNull();
        lookUps.Seen.Count(r => r == first).Should().BeGreaterThan(1, "the hung attempt was given up and the look-up sent again");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_lookup_that_keeps_timing_out_is_Unavailable_without_a_status()
    {
        // Every look-up hangs and the fake clock ends each attempt; with real time, the warm-up call before the hang met
        // the 1 s timeout on a loaded machine (Drupal, 2026-12-01).
        var clock = new FakeTimeProvider();
        using var site = StartSite(new(Http: h => { h.AttemptTimeout = TimeSpan.FromSeconds(1); h.MaxRetries = 1; h.RetryBaseDelay = TimeSpan.Zero; }, Clock: clock));
        var lookUps = new HungLookUps(site, hung: int.MaxValue);

        var find = site.Provider.FindByEmailAsync("jdoe@example.org");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await lookUps.NextHungAsync();
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var ex = (await find.Awaiting(f => f.WaitAsync(Bound)).Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        ex.StatusCode.Should().BeNull();
        lookUps.Seen.Should().HaveCount(2, "one attempt and one retry, each given up");
    }

    [Fact(Timeout = 60_000)]
    public async Task Caller_cancellation_stays_cancellation()
    {
        using var site = StartSite(new());
        var lookUps = new HungLookUps(site, hung: 1);
        using var cts = new CancellationTokenSource();

        var find = site.Provider.FindByEmailAsync("jdoe@example.org", cts.Token);
        await lookUps.NextHungAsync();
        await cts.CancelAsync();

        await find.Awaiting(f => f.WaitAsync(Bound)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact(Timeout = 30_000)]
    public async Task Wrong_credentials_are_a_permanent_configuration_error()
    {
        using var site = StartSite(new(WrongCredentials: true));

        var act = () => site.Provider.FindByEmailAsync("jdoe@example.org");

        // Most CMSs answer 401; Drupal answers a wrong Basic password with 403, which only says "not allowed".
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().BeOneOf(CmsErrorReason.Authentication, CmsErrorReason.Permission);
        ex.Kind.Should().NotBe(FailureKind.Transient);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_taken_username_is_DuplicateUsername()
    {
        using var site = StartSite(new());
        site.AddUser("jdoe", "someone.else@example.org");

        var act = () => site.Provider.CreateAsync(site.Prepare(NewAccount("jdoe", "jdoe@example.org")));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_taken_email_is_DuplicateEmail()
    {
        using var site = StartSite(new());
        site.AddUser("someone", "jdoe@example.org");

        var act = () => site.Provider.CreateAsync(site.Prepare(NewAccount("jdoe", "jdoe@example.org")));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_username_and_an_email_taken_in_another_case_are_still_duplicates()
    {
        using var site = StartSite(new());
        site.AddUser("jdoe", "someone.else@example.org");
        site.AddUser("someone", "mary@example.org");

        var name = () => site.Provider.CreateAsync(site.Prepare(NewAccount("JDoe", "jdoe@example.org")));
        var mail = () => site.Provider.CreateAsync(site.Prepare(NewAccount("mary", "Mary@Example.org")));

        (await name.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
        (await mail.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
    }

    [Fact(Timeout = 30_000)]
    public async Task Both_taken_is_refused_in_the_order_the_cms_checks_them()
    {
        using var site = StartSite(new());
        site.AddUser("jdoe", "jdoe@example.org");

        var act = () => site.Provider.CreateAsync(site.Prepare(NewAccount("jdoe", "jdoe@example.org")));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(BothTakenReason);
    }

    /// <summary>
    /// What a create whose username and email are both taken is refused as, following the real server: WordPress and
    /// Joomla check the username first; Drupal 8+ and Drupal 7 report both, and the provider names the email (the engine
    /// then links the account instead of trying numbered names); the Backdrop module checks the email first; Standalone
    /// refuses a contact that already holds a user (the email's contact) before it looks at the username.
    /// </summary>
    protected abstract CmsErrorReason BothTakenReason { get; }

    /// <summary>
    /// Lets the first <c>hung</c> look-ups arrive and never answers them (the client's attempt timeout or cancellation
    /// ends them); every other request is answered. Records each look-up as it arrives.
    /// </summary>
    private sealed class HungLookUps
    {
        private readonly System.Threading.Channels.Channel<string> _hung = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _seen = new();
        private int _left;

        public HungLookUps(ContractSite site, int hung)
        {
            _left = hung;
            site.FaultWhere = request =>
            {
                if (request.Operation != FakeCmsOperation.LookUp)
                {
                    return null;
                }

                var key = $"{request.Method} {request.Path}?{request.Query} {request.Body}";
                _seen.Enqueue(key);
                if (Interlocked.Decrement(ref _left) < 0)
                {
                    return null;
                }

                _hung.Writer.TryWrite(key);
                return FakeFault.Hang();
            };
        }

        /// <summary>Every look-up that arrived, in order.</summary>
        public IReadOnlyList<string> Seen => [.. _seen];

        /// <summary>Waits for the next hung look-up to arrive and returns it.</summary>
        public async Task<string> NextHungAsync() => await _hung.Reader.ReadAsync().AsTask().WaitAsync(Bound);
    }

    [Fact(Timeout = 30_000)]
    public async Task Persistent_server_errors_on_a_lookup_are_Unavailable_after_the_retries()
    {
        using var site = StartSite(new(Http: h => h.MaxRetries = 2));
        await site.Provider.FindByEmailAsync("nobody@example.org");
        var before = site.RequestCount;
        site.FailNext(3, 500);

        var act = () => site.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        ex.StatusCode.Should().Be(500);
        ex.Kind.Should().Be(FailureKind.Transient);
        site.RequestCount.Should().Be(before + 3, "one attempt plus MaxRetries = 2");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_server_error_on_create_is_an_unknown_outcome_never_sent_twice()
    {
        using var site = StartSite(new());
        await site.Provider.FindByEmailAsync("nobody@example.org");
        var before = site.RequestCount;
        site.FailNext(1, 502);

        var act = () => site.Provider.CreateAsync(site.Prepare(NewAccount()));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        site.Users.Should().NotContain(a => a.Email == "jdoe@example.org", "a create is never retried blindly (a second send would have created it)");
        site.RequestCount.Should().Be(before + 1 + CreateRecoveryLookups, "the create was sent once, plus the provider's own look-ups for it");
    }

    [Fact(Timeout = 30_000)]
    public async Task Too_many_requests_on_create_is_Throttled_with_no_look_up_and_the_next_attempt_creates()
    {
        using var site = StartSite(new());
        await site.Provider.FindByEmailAsync("nobody@example.org");
        var account = site.Prepare(NewAccount());
        var before = site.RequestCount;
        site.FailNext(1, 429);

        var act = () => site.Provider.CreateAsync(account);

        // A 429 is a refusal before the site did anything: a plain transient failure, not an outcome to look up.
        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Throttled);
        ex.Kind.Should().Be(FailureKind.Transient);
        ex.StatusCode.Should().Be(429);
        site.RequestCount.Should().Be(before + 1, "the refused create is the only request: nothing can exist, so nothing is looked up");
        site.Users.Should().NotContain(a => a.Email == "jdoe@example.org");

        var created = await site.Provider.CreateAsync(account);

        site.Users.Should().ContainSingle(a => a.Email == "jdoe@example.org").Which.Id.Should().Be(created.UserId);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_unreachable_site_is_Unavailable_even_for_create()
    {
        using var refused = new RefusedPort();
        using var site = StartSite(new(BaseUrl: refused.Url));

        var act = () => site.Provider.CreateAsync(site.Prepare(NewAccount()));

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable, "a refused connection never reached the site");
        ex.Kind.Should().Be(FailureKind.Transient);
    }

    /// <summary>
    /// Requests the credentials check of a new provider may send (<see cref="ICmsAccountProvider.CheckCredentialsAsync"/>):
    /// one authenticated request (a login, where the login is the check).
    /// </summary>
    protected virtual int CredentialsCheckRequests => 1;

    [Fact(Timeout = 30_000)]
    public async Task The_credentials_check_passes_with_the_right_credentials_in_one_cheap_request()
    {
        using var site = StartSite(new());
        var before = site.RequestCount;

        var check = await site.Provider.CheckCredentialsAsync();

        check.Passed.Should().BeTrue(check.Detail);
        check.Failure.Should().BeNull();
        (site.RequestCount - before).Should().BeInRange(1, CredentialsCheckRequests, "a run that needed the CMS for no contact sends this check");
    }

    [Fact(Timeout = 30_000)]
    public async Task The_credentials_check_reports_wrong_credentials_as_configuration_without_the_secret()
    {
        using var site = StartSite(new(WrongCredentials: true));

        var check = await site.Provider.CheckCredentialsAsync();

        check.Passed.Should().BeFalse();
        check.Failure.Should().Be(FailureKind.Configuration, check.Detail);
        check.Detail.Should().Contain(site.Provider.Name.Split(' ')[0]).And.Contain("CmsUser:", "the detail names the CMS and the setting to fix");
        foreach (var secret in site.Secrets.Where(s => s.Length >= 8))
        {
            check.Detail.Should().NotContain(secret);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task The_credentials_check_of_an_unreachable_site_is_transient()
    {
        using var refused = new RefusedPort();
        using var site = StartSite(new(BaseUrl: refused.Url));

        var check = await site.Provider.CheckCredentialsAsync();

        check.Passed.Should().BeFalse();
        check.Failure.Should().Be(FailureKind.Transient, check.Detail);
    }

    private static async Task<string> MessageOf(Func<Task> act) =>
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.ToString();
}
