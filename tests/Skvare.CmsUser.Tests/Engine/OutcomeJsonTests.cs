using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A host that returns an outcome or a run summary from its own endpoint (ASP.NET Core's web JSON defaults) writes
/// every enum as its name, as the webhook and <c>cmsuser run --json</c> do, not as a number.
/// </summary>
public sealed class OutcomeJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void An_outcome_written_with_the_web_defaults_names_its_kinds()
    {
        var outcome = new ProvisioningOutcome
        {
            ContactId = 42,
            Kind = OutcomeKind.Failed,
            Error = new ProvisioningError(FailureKind.Transient, "cms_unavailable", "The website did not answer."),
            Notification = CmsNotification.Failed,
            NotificationFailureReason = CmsNotificationFailure.SiteUnreachable,
        };

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(outcome, Web));

        json.RootElement.GetProperty("kind").GetString().Should().Be("Failed");
        json.RootElement.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
        json.RootElement.GetProperty("notification").GetString().Should().Be("Failed");
        json.RootElement.GetProperty("notificationFailureReason").GetString().Should().Be("SiteUnreachable");
    }

    [Fact]
    public void An_outcome_read_back_is_the_outcome_written()
    {
        var outcome = new ProvisioningOutcome { ContactId = 7, Kind = OutcomeKind.Created, Username = "zoë.李", CmsUserId = 55, Notification = CmsNotification.Sent };

        var back = JsonSerializer.Deserialize<ProvisioningOutcome>(JsonSerializer.Serialize(outcome, Web), Web);

        back.Should().Be(outcome);
    }

    private static readonly Type[] Enums =
    [
        typeof(OutcomeKind), typeof(PlannedAction), typeof(RunStopKind), typeof(FailureKind), typeof(CmsErrorReason),
        typeof(CmsCapabilities), typeof(CmsNotification), typeof(CmsNotificationFailure), typeof(LoginLinkWithheldReason), typeof(TriggerKind), typeof(ActivityKind), typeof(ActivityOutcomeStatus),
        typeof(TriggerDisposition), typeof(AccountLinkResultKind), typeof(DeprovisionWhen), typeof(DeprovisionAction),
    ];

    public static TheoryData<Type> PublicEnums() => new(Enums);

    [Theory]
    [MemberData(nameof(PublicEnums))]
    public void Every_value_of_a_public_enum_is_written_as_its_name_and_read_back(Type type)
    {
        foreach (var value in Enum.GetValues(type))
        {
            var text = JsonSerializer.Serialize(value, type, Web);

            text.Should().Be(JsonSerializer.Serialize(value.ToString()), "{0}.{1} is written as its name", type.Name, value);
            JsonSerializer.Deserialize(text, type, Web).Should().Be(value);
        }
    }

    [Fact]
    public void Every_public_enum_of_the_core_package_is_in_the_list_above()
    {
        typeof(ProvisioningOutcome).Assembly.GetExportedTypes().Where(t => t.IsEnum).Should().BeSubsetOf(Enums);
    }
}
