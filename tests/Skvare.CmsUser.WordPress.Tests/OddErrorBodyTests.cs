using System.Net;
using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>Whatever JSON an error answer carries, it is classified as a <see cref="CmsProviderException"/>, never thrown as another exception.</summary>
public sealed class OddErrorBodyTests
{
    [Fact]
    public void Any_error_body_is_classified()
    {
        var body = Gen.Select(OddJson.Member("code"), OddJson.Member("message"), OddJson.Member("data"), OddJson.Member("additional_errors"), OddJson.Any, Gen.Int[0, 3])
            .Select((code, message, data, extra, any, shape) => shape switch
            {
                0 => any,
                1 => "{" + code + message + "\"data\":{\"status\":400,\"params\":" + any + "}}",
                2 => "{\"code\":\"rest_invalid_param\",\"message\":\"m\",\"additional_errors\":[{\"code\":" + any + "}]}",
                _ => "{" + code + message + data + extra + "\"x\":0}",
            });
        Gen.Select(body, Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(409), Gen.Const(500)), Gen.Bool).Sample(
            input =>
            {
                var (text, status, isCreate) = input;
                var ex = WordPressErrors.FromResponse("create an account", (HttpStatusCode)status, text, isCreate);
                ex.StatusCode.Should().Be(status);
            },
            iter: 300,
            threads: 1);
    }
}
