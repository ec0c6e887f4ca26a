using CsCheck;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Tests.Abstractions;

/// <summary>
/// <see cref="ConnectivityCheck.Failed"/>, the one way every provider turns a call that threw into a failed check: the
/// exception's message as it is, and its kind, so a check that met an outage is not read as a setting to fix.
/// </summary>
public sealed class ConnectivityCheckTests
{
    [Theory]
    [InlineData(CmsErrorReason.Authentication, FailureKind.Configuration)]
    [InlineData(CmsErrorReason.Permission, FailureKind.Configuration)]
    [InlineData(CmsErrorReason.Unavailable, FailureKind.Transient)]
    [InlineData(CmsErrorReason.Throttled, FailureKind.Transient)]
    public void A_failed_check_carries_the_exceptions_message_and_kind(CmsErrorReason reason, FailureKind kind)
    {
        var error = new CmsProviderException("WordPress", reason, "WordPress refused the credentials (HTTP 401). Check CmsUser:WordPress:ApplicationPassword.", statusCode: 401);

        var check = ConnectivityCheck.Failed("Authentication", error);

        check.Should().Be(new ConnectivityCheck("Authentication", false, error.Message) { Failure = kind });
    }

    [Fact]
    public void A_configuration_exception_is_a_configuration_failure()
    {
        var check = ConnectivityCheck.Failed("Settings", new CmsUserConfigurationException("CmsUser:Cms names no provider."));

        check.Passed.Should().BeFalse();
        check.Failure.Should().Be(FailureKind.Configuration);
        check.Detail.Should().Be("CmsUser:Cms names no provider.");
    }

    [Fact]
    public void The_detail_is_exactly_the_message_whatever_the_server_sent()
    {
        Gen.Select(HostileText.Text, Gen.Enum<CmsErrorReason>(), Gen.Int[100, 599]).Sample((message, reason, status) =>
        {
            var error = new CmsProviderException("Drupal", reason, message, statusCode: status, errorCode: "Bearer api-key-secret");

            var check = ConnectivityCheck.Failed("API", error);

            check.Detail.Should().Be(message, "the factory adds nothing: the status and the server's code stay out of the detail");
            check.Failure.Should().Be(error.Kind);
            check.Name.Should().Be("API");
            check.Passed.Should().BeFalse();
        });
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var error = new CmsProviderException("WordPress", CmsErrorReason.Unavailable, "down");

        ((Action)(() => ConnectivityCheck.Failed(null!, error))).Should().Throw<ArgumentNullException>();
        ((Action)(() => ConnectivityCheck.Failed(" ", error))).Should().Throw<ArgumentException>();
        ((Action)(() => ConnectivityCheck.Failed("API", null!))).Should().Throw<ArgumentNullException>();
    }
}
