using System.Net;
using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>Whatever JSON an error answer carries, it is classified as a <see cref="CmsProviderException"/>, never thrown as another exception.</summary>
public sealed class OddErrorBodyTests
{
    [Fact]
    public void Any_error_body_is_classified()
    {
        var body = Gen.Select(OddJson.Member("code"), OddJson.Member("message"), OddJson.Member("errors"), OddJson.Any, Gen.Int[0, 1])
            .Select((code, message, errors, any, shape) => shape == 0 ? any : "{" + code + message + errors + "\"x\":0}");
        Gen.Select(body, Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(422), Gen.Const(500)), Gen.Bool).Sample(
            input =>
            {
                var (text, status, isCreate) = input;
                var ex = BackdropErrors.FromResponse((HttpStatusCode)status, "application/json", text, isCreate);
                ex.StatusCode.Should().Be(status);
            },
            iter: 300,
            threads: 1);
    }
}
