using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Whatever JSON Drupal answers for a user, the provider gives an account or a <see cref="CmsProviderException"/>, never another exception.</summary>
public sealed class OddUserAnswerTests : IDisposable
{
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Any_user_answer_gives_an_account_or_an_unexpected_response()
    {
        static Gen<string> Field(string name) =>
            Gen.Frequency((3, OddJson.Any.Select(v => $"\"{name}\":[{{\"value\":{v},\"target_id\":{v}}}],")), (1, OddJson.Member(name)));
        var user = Gen.Frequency(
            (5, OddJson.ObjectOf(Field("uid"), Field("name"), Field("mail"), Field("status"), Field("roles"))),
            (1, OddJson.Any));
        await Task.Yield();
        user.Sample(
            body =>
            {
                _host.Server.FailNext(1, 200, body, "application/json");
                OddJson.ShouldGiveAccountOrUnexpectedResponse(() => _host.Provider.GetByIdAsync(5));
            },
            iter: 200,
            threads: 1);
    }
}
