using CsCheck;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>Whatever JSON an error answer carries, it is classified as a <see cref="CmsProviderException"/>, never thrown as another exception.</summary>
public sealed class OddErrorBodyTests
{
    [Fact]
    public void Any_error_body_is_classified()
    {
        var body = Gen.Select(OddJson.Any, Gen.Int[0, 2])
            .Select((any, shape) => shape switch
            {
                0 => any,
                1 => "[" + any + "," + any + "]",
                _ => "{\"form_errors\":{\"mail\":" + any + ",\"name\":" + any + "}}",
            });
        Gen.Select(body, Gen.OneOf(Gen.Const(400), Gen.Const(401), Gen.Const(403), Gen.Const(406), Gen.Const(500)), Gen.Bool, Gen.Bool).Sample(
            input =>
            {
                var (text, status, isCreate, isLogin) = input;
                var ex = Drupal7Errors.FromResponse(status, "Error", "application/json", text, isCreate, isLogin);
                ex.StatusCode.Should().Be(status);
            },
            iter: 300,
            threads: 1);
    }
}
