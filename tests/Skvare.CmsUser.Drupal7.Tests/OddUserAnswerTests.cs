using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>Whatever JSON Drupal 7 answers for a user, the provider gives an account or a <see cref="CmsProviderException"/>, never another exception.</summary>
public sealed class OddUserAnswerTests : IDisposable
{
    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Any_user_answer_gives_an_account_or_an_unexpected_response()
    {
        var user = Gen.Frequency(
            (5, OddJson.ObjectOf(OddJson.Member("uid"), OddJson.Member("name"), OddJson.Member("mail"), OddJson.Member("status"), OddJson.Member("roles"))),
            (1, OddJson.Any));
        await _host.Provider.GetByIdAsync(1); // logs in: the next request is the user's read
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
