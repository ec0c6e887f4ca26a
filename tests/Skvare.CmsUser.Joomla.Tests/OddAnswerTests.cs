using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>Whatever JSON Joomla answers, the provider gives a value or a <see cref="CmsProviderException"/>, never another exception.</summary>
public sealed class OddAnswerTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private readonly ServiceProvider _services;
    private readonly ICmsAccountProvider _provider;

    public OddAnswerTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.GroupIds["member"] = 10;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        _services = services.BuildServiceProvider();
        _provider = _services.GetRequiredService<ICmsAccountProvider>();
    }

    public void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_user_answer_gives_an_account_or_a_typed_failure_never_another_exception()
    {
        var attributes = Gen.Select(OddJson.Member("id"), OddJson.Member("username"), OddJson.Member("email"), OddJson.Member("block"))
            .Select((id, username, email, block) => "{" + id + username + email + block + "\"name\":\"Jane\"}");
        var data = Gen.Frequency(
            (6, Gen.Select(OddJson.Member("id"), Gen.Frequency((5, attributes), (1, OddJson.Any))).Select((id, a) => "{" + id + "\"type\":\"users\",\"attributes\":" + a + "}")),
            (1, OddJson.Value));
        await Task.Yield();
        data.Sample(
            item =>
            {
                _site.FailNext(1, 200, "{\"data\":" + item + "}");
                try
                {
                    var account = _provider.GetByIdAsync(5).GetAwaiter().GetResult();
                    account.Should().NotBeNull("Joomla answered 200 for the user");
                    account!.UserId.Should().BePositive();
                }
                catch (CmsProviderException ex)
                {
                    // An unreadable user record fails this account only; an answer of another shape is the site's.
                    ex.Reason.Should().BeOneOf(CmsErrorReason.InvalidData, CmsErrorReason.UnexpectedResponse);
                }
            },
            iter: 150,
            threads: 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_groups_answer_adds_the_role_keeping_every_group_or_fails_typed_and_changes_nothing()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org", null, 2, 7);
        var account = new CmsAccount(user.Id, "jdoe", "jdoe@example.org");
        await Task.Yield();
        OddJson.Any.Sample(
            groups =>
            {
                _site.FailNext(1, 200, "{\"data\":{\"type\":\"users\",\"id\":\"" + user.Id + "\",\"attributes\":{\"username\":\"jdoe\",\"groups\":" + groups + "}}}");
                var before = _site.Requests.Count;
                try
                {
                    _provider.AddRolesAsync(account, ["member"]).GetAwaiter().GetResult();
                    // A PATCH (when the group read lacked 10) carries the new group; none is sent when 10 was there.
                    _site.Requests.Count.Should().BeOneOf(before + 1, before + 2);
                    if (_site.Requests.Count == before + 2)
                    {
                        _site.Users.Single().ExtrasOf<FakeJoomlaUserExtras>().GroupIds.Should().Contain(10);
                    }
                }
                catch (CmsProviderException ex)
                {
                    // Either the read was refused (no PATCH that would drop a group it could not read), or Joomla refused
                    // the PATCH of the groups read (a group that does not exist there).
                    // (an answer that is no JSON:API document at all, such as a member named twice, is the site's: UnexpectedResponse).
                    if (ex.Reason is CmsErrorReason.InvalidData or CmsErrorReason.UnexpectedResponse)
                    {
                        _site.Requests.Count.Should().Be(before + 1);
                    }
                    else
                    {
                        ex.Reason.Should().Be(CmsErrorReason.UnknownRole);
                    }
                }
            },
            iter: 100,
            threads: 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task Any_error_body_gives_a_typed_failure_never_another_exception()
    {
        var body = Gen.Frequency(
            (3, OddJson.Any.Select(title => "{\"errors\":[{\"title\":" + title + ",\"code\":422}]}")),
            (2, OddJson.Any.Select(errors => "{\"errors\":" + errors + "}")),
            (1, OddJson.Any));
        await Task.Yield();
        Gen.Select(body, Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(409), Gen.Const(422))).Sample(
            input =>
            {
                var (text, status) = input;
                // A 4xx is not retried: one answer is enough.
                _site.FailNext(1, status, text);
                var act = () => _provider.BlockAsync(new CmsAccount(5, "jdoe", "jdoe@example.org")).GetAwaiter().GetResult();
                act.Should().Throw<CmsProviderException>().Which.StatusCode.Should().Be(status);
            },
            iter: 100,
            threads: 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_document_without_data_gives_a_typed_failure_never_another_exception()
    {
        // Any JSON but an object with a "data" member (an array, a scalar, an object of other members): the create's,
        // the look-up's and the read's answers each fail typed. Before the fix, Data() cloned an undefined element and
        // the contact crashed with internal_error.
        var body = Gen.Frequency(
            (2, OddJson.Value.Where(v => !v.TrimStart().StartsWith('{'))),
            (1, OddJson.ObjectOf(OddJson.Member("errors"), OddJson.Member("meta"))));
        await Task.Yield();
        body.Sample(
            text =>
            {
                _site.FailNext(1, 201, text);
                var create = () => _provider.CreateAsync(new NewCmsAccount { Username = "jdoe", Email = "jdoe@example.org", FirstName = "Jane", LastName = "Doe" }).GetAwaiter().GetResult();
                create.Should().Throw<CmsProviderException>().Which.Reason.Should().Be(CmsErrorReason.UnknownOutcome, "Joomla accepted the create: the account may exist");
                _site.FailNext(1, 200, text);
                var read = () => _provider.GetByIdAsync(5).GetAwaiter().GetResult();
                read.Should().Throw<CmsProviderException>();
            },
            iter: 60,
            threads: 1);
    }
}
