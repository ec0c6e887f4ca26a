using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// Standalone's reads go through the CiviCRM client, whose API v4 reads (<c>User.get</c>, <c>Role.get</c>, and
/// <c>User.checkAccess</c>) are asked again when their answer is cut short on its way; <c>User.create</c> (whatever it
/// carries chained) is never sent again: the provider reads its outcome back by the contact (docs/cms-standalone.md).
/// </summary>
public sealed class CutAnswerTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    private IServiceProvider Services() => _services = StandaloneHost.Build(_site, civi: o => o.Http.MaxRetries = 2);

    /// <summary>Cuts the answer to the first request for <paramref name="call"/> (<c>User/get</c>), or to every one; counts them.</summary>
    private Func<int> Cut(string call, bool always = false)
    {
        var seen = 0;
        _site.FaultWhere = r => r.Path.EndsWith("/" + call, StringComparison.Ordinal) && (Interlocked.Increment(ref seen) == 1 || always) ? FakeFault.MalformedBody : null;
        return () => Volatile.Read(ref seen);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_page_look_up_whose_answer_is_cut_once_is_asked_again_and_the_page_is_created()
    {
        var group = _site.AddGroup("members");
        var contacts = Enumerable.Range(1, 3).Select(i => _site.AddContact("Cut", $"Read{i}", $"cmsread20.read{i}@example.org")).ToArray();
        _site.AddToGroup(group, contacts);
        var userGets = Cut("User/get");

        var summary = await Services().GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: Timeout());

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(3);
        userGets().Should().Be(2, "the page's one User.get, asked once more after its answer was cut");
        _site.CallCount("User", "create").Should().Be(3);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_create_whose_answer_is_cut_is_sent_once_and_read_back_by_its_contact()
    {
        var group = _site.AddGroup("members");
        var contact = _site.AddContact("Cut", "Create", "cmsread20.create@example.org");
        _site.AddToGroup(group, [contact]);
        var creates = Cut("User/create", always: true);

        var summary = await Services().GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: Timeout());

        creates().Should().Be(1, "a create is never sent again, whatever happened to its answer");
        _site.Users.Should().ContainSingle(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == contact, "the site created it once");
        summary.Failures.Should().BeEmpty("the provider found the user by its contact");
        summary.Count(OutcomeKind.Created).Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_access_check_whose_answer_is_cut_once_is_asked_again()
    {
        var checks = Cut("User/checkAccess");

        var report = await Services().GetRequiredService<ICmsAccountProvider>().CheckConnectivityAsync(Timeout());

        report.Checks.Should().OnlyContain(c => c.Passed, string.Join("; ", report.Checks.Select(c => c.Detail)));
        checks().Should().Be(2, "User.checkAccess only reads: its cut answer was asked once more");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_look_up_cut_on_every_try_fails_with_the_typed_transient_error()
    {
        var userGets = Cut("User/get", always: true);

        var act = () => Services().GetRequiredService<ICmsAccountProvider>().FindByEmailAsync("cmsread20.none@example.org", Timeout());

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.Unavailable);
        failure.Kind.Should().Be(FailureKind.Transient);
        failure.Message.Should().Contain("cut short");
        userGets().Should().Be(3, "the first try and Http:MaxRetries (2) more");
    }
}
