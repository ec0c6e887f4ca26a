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
            (5, Gen.Select(Field("uid"), Field("name"), Field("mail"), Field("status"), Field("roles")).Select((a, b, c, d, e) => "{" + a + b + c + d + e + "\"x\":0}")),
            (1, OddJson.Any));
        await Task.Yield();
        user.Sample(
            body =>
            {
                _host.Server.FailNext(1, 200, body, "application/json");
                try
                {
                    var account = _host.Provider.GetByIdAsync(5).GetAwaiter().GetResult();
                    account.Should().NotBeNull();
                }
                catch (CmsProviderException ex)
                {
                    ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
                }
            },
            iter: 200,
            threads: 1);
    }
}
