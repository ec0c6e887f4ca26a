using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>Whatever JSON Standalone answers, the provider gives a value or a <see cref="CmsProviderException"/>, never another exception.</summary>
public sealed class OddAnswerTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private readonly ServiceProvider _services;

    public OddAnswerTests()
    {
        _services = StandaloneHost.Build(_site);
    }

    private ICmsAccountProvider Provider => _services.GetRequiredService<ICmsAccountProvider>();

    public void Dispose()
    {
        _services.Dispose();
        _site.Dispose();
    }

    private static string Answer(string entity, string action, string row) =>
        $"{{\"entity\":\"{entity}\",\"action\":\"{action}\",\"version\":4,\"count\":1,\"values\":[{row}]}}";

    [Fact(Timeout = 60_000)]
    public async Task Any_roles_answer_changes_the_roles_keeping_every_one_read_or_fails_typed_and_writes_nothing()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        var id = _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.AdminRole, _site.StaffRole);
        var provider = Provider;
        // The client's identity and the role names are read (and kept) before the answers are replaced: the next request
        // is the user's read.
        var other = _site.AddUser("other", "other@example.org", _site.AddContact("Other", "Doe", "other@example.org"), true, _site.AdminRole);
        await provider.RemoveRolesAsync(new CmsAccount(other, null, null), ["staff"]);
        OddJson.Any.Sample(
            roles =>
            {
                _site.FailNext(200, body: Answer("User", "get", $"{{\"id\":{id},\"is_active\":true,\"roles\":{roles}}}"));
                var updates = _site.CallCount("User", "update");
                try
                {
                    provider.RemoveRolesAsync(new CmsAccount(id, null, null), ["staff"]).GetAwaiter().GetResult();
                }
                catch (CmsProviderException ex)
                {
                    // Refused on the read: nothing written (a role it could not read is never dropped); or the site
                    // refused the update of the roles read (a role id it does not have).
                    if (ex.Reason == CmsErrorReason.InvalidData)
                    {
                        _site.CallCount("User", "update").Should().Be(updates);
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
    public async Task Any_user_row_gives_an_account_or_a_typed_refusal_never_another_exception()
    {
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.StaffRole);
        var provider = Provider;
        await provider.FindByUsernameAsync("jdoe");
        OddJson.ObjectOf(OddJson.Member("id"), OddJson.Member("username"), OddJson.Member("uf_name"), OddJson.Member("contact_id"), OddJson.Member("is_active"), OddJson.Member("roles:name"))
            .Sample(
                row =>
                {
                    _site.FailNext(200, body: Answer("User", "get", row));
                    CmsAccount? account;
                    try
                    {
                        account = provider.FindByUsernameAsync("jdoe").GetAwaiter().GetResult();
                    }
                    catch (CmsProviderException ex)
                    {
                        // A row without a usable id is refused, never read as "no such user".
                        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
                        return;
                    }

                    account.Should().NotBeNull("a row the site answered is a user");
                    account!.UserId.Should().BePositive();
                },
                iter: 150,
                threads: 1);
    }
    [Fact(Timeout = 60_000)]
    public async Task A_look_up_answered_with_users_without_an_id_is_refused_not_read_as_no_user()
    {
        // Read as "no such user", the next step would create a second user for an email that has one.
        var contact = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddUser("jdoe", "jdoe@example.org", contact, true, _site.StaffRole);
        var provider = Provider;
        _site.FaultWhere = r => r.Operation == Skvare.CmsUser.Testing.FakeCmsOperation.LookUp
            ? Skvare.CmsUser.Testing.FakeFault.Status(200, Answer("User", "get", "{\"username\":\"jdoe\",\"uf_name\":\"jdoe@example.org\"}"), "application/json")
            : null;

        var byEmail = async () => await provider.FindByEmailAsync("jdoe@example.org");
        var byName = async () => await provider.FindByUsernameAsync("jdoe");

        (await byEmail.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        (await byName.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        _site.CallCount("User", "create").Should().Be(0);
    }
}
