using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Whatever JSON an error answer carries, it is classified as a <see cref="CmsProviderException"/>, never thrown as another exception.</summary>
public sealed class OddErrorBodyTests
{
    [Fact]
    public void Any_error_body_is_classified()
    {
        var body = Gen.Select(OddJson.Member("message"), OddJson.Member("code"), OddJson.Member("error"), OddJson.Member("error_description"), OddJson.Any, Gen.Int[0, 2])
            .Select((message, code, error, description, any, shape) => shape switch
            {
                0 => any,
                1 => "{\"errors\":[{\"title\":" + any + ",\"detail\":" + any + "}]}",
                _ => "{" + message + code + error + description + "\"x\":0}",
            });
        Gen.Select(body, Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(422), Gen.Const(500)), Gen.Enum<DrupalApi>(), Gen.Bool).Sample(
            input =>
            {
                var (text, status, api, isCreate) = input;
                var ex = DrupalErrors.FromResponse(status, "application/json", text, api, isCreate, DrupalAuthenticationMode.Basic);
                ex.StatusCode.Should().Be(status);
            },
            iter: 300,
            threads: 1);
    }
}
