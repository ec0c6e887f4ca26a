using System.Text;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// Regression (session 20, cmsread20 on the real WordPress through a proxy that cut answers): WordPress refuses a create with
/// HTTP 500 and its <c>existing_user_email</c> error object; cut on its way, the refusal check's read of that body failed
/// half-way and HttpClient then threw <see cref="InvalidOperationException"/>, so the contact failed as a defect
/// (<c>internal_error</c>, Permanent, an attempt used). A create whose answer is lost, whatever its status, is
/// <see cref="CmsErrorReason.UnknownOutcome"/>: the engine looks the email up, and the create is never sent again.
/// </summary>
public sealed class CutRefusalTests
{
    private static readonly byte[] Refusal = Encoding.UTF8.GetBytes(
        "{\"code\":\"existing_user_email\",\"message\":\"Sorry, that email address is already used!\",\"data\":{\"status\":500}}");

    [Theory]
    [InlineData(LengthHeader.Full, 10)]
    [InlineData(LengthHeader.Full, 60)]
    [InlineData(LengthHeader.None, 40)]
    [InlineData(LengthHeader.Sent, 1)]
    public async Task A_create_refusal_cut_on_its_way_is_an_unknown_outcome_sent_once(LengthHeader length, int sent)
    {
        using var server = new CuttingServer((_, _) => new CutReply(500, Refusal, sent, length));
        using var host = new WordPressTestHost(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = "admin";
            o.ApplicationPassword = "abcd efgh ijkl mnop qrst uvwx";
        });

        var act = () => host.Provider.CreateAsync(ProviderTestHost.NewAccount("cutrefusal20", "cutrefusal20@example.org"));

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.UnknownOutcome, "the answer was lost: the account may exist, so it is looked up by email");
        failure.Kind.Should().Be(FailureKind.Transient);
        failure.InnerException.Should().NotBeOfType<InvalidOperationException>();
        server.Requests.Should().ContainSingle("a create is never sent again, whatever happened to its answer")
            .Which.Should().Contain("wp/v2/users");
        host.AllLogText().Should().NotContain("abcd efgh", "the application password never reaches a log");
    }

    [Fact]
    public async Task A_whole_refusal_is_still_the_typed_duplicate_email()
    {
        using var server = new CuttingServer((_, _) => CutReply.Whole(Encoding.UTF8.GetString(Refusal), 500));
        using var host = new WordPressTestHost(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = "admin";
            o.ApplicationPassword = "abcd efgh ijkl mnop qrst uvwx";
        });

        var act = () => host.Provider.CreateAsync(ProviderTestHost.NewAccount("cutrefusal20", "cutrefusal20@example.org"));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.DuplicateEmail);
        server.Requests.Should().ContainSingle();
    }
}
