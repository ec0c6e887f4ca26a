using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.AspNetCore;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>The webhook's log lines read well: no "(event (null))" for a call without an event id, the time in milliseconds.</summary>
public sealed class WebhookLogTests
{
    [Fact]
    public void Provisioned_names_the_event_only_when_there_is_one_and_gives_the_time_in_milliseconds()
    {
        var logger = new FakeLogger();

        Log.Provisioned(logger, 42, null, OutcomeKind.Created, accessRestored: false, TimeSpan.FromTicks(17_178_106));
        Log.Provisioned(logger, 43, "evt-1", OutcomeKind.Linked, accessRestored: false, TimeSpan.FromMilliseconds(3.26));

        var records = logger.Collector.GetSnapshot();
        records.Should().OnlyContain(r => r.Id.Id == 4001);
        records[0].Message.Should().Be("Webhook provisioned contact 42: Created in 1717.8 ms");
        records[1].Message.Should().Be("Webhook provisioned contact 43 (event evt-1): Linked in 3.3 ms");
    }

    [Fact]
    public void A_call_that_restored_access_says_so_and_carries_AccessRestored()
    {
        var logger = new FakeLogger();

        Log.Provisioned(logger, 42, null, OutcomeKind.AlreadyLinked, accessRestored: true, TimeSpan.FromMilliseconds(12));
        Log.Provisioned(logger, 43, "evt-3", OutcomeKind.AlreadyLinked, accessRestored: true, TimeSpan.FromMilliseconds(5));
        Log.Provisioned(logger, 44, "evt-4", OutcomeKind.AlreadyLinked, accessRestored: false, TimeSpan.FromMilliseconds(5));

        var records = logger.Collector.GetSnapshot();
        records.Should().OnlyContain(r => r.Id.Id == 4001);
        records[0].Message.Should().Be("Webhook provisioned contact 42: AlreadyLinked (access restored: True) in 12 ms");
        records[1].Message.Should().Be("Webhook provisioned contact 43 (event evt-3): AlreadyLinked (access restored: True) in 5 ms");
        records[2].Message.Should().Be("Webhook provisioned contact 44 (event evt-4): AlreadyLinked in 5 ms");
        records[0].StructuredState.Should().Contain(new KeyValuePair<string, string?>("AccessRestored", "True"));
        records[1].StructuredState.Should().Contain(new KeyValuePair<string, string?>("AccessRestored", "True"));
        records[2].StructuredState.Should().NotContain(p => p.Key == "AccessRestored");
    }

    [Fact]
    public void A_failed_call_names_the_event_only_when_there_is_one()
    {
        var logger = new FakeLogger();

        Log.ProvisioningThrew(logger, 42, null, 503, "cms_unavailable", new InvalidOperationException("x"));
        Log.ProvisioningThrew(logger, 43, "evt-2", 503, "cms_unavailable", new InvalidOperationException("x"));

        var records = logger.Collector.GetSnapshot();
        records.Should().OnlyContain(r => r.Id.Id == 4002);
        records[0].Message.Should().Be("Webhook could not provision contact 42: 503 cms_unavailable");
        records[1].Message.Should().Be("Webhook could not provision contact 43 (event evt-2): 503 cms_unavailable");
    }

    [Fact]
    public void A_caller_that_left_mid_call_is_logged_with_the_contact_and_the_event_only_when_there_is_one()
    {
        var logger = new FakeLogger();

        Log.CallerLeftWhileProvisioning(logger, "127.0.0.1", 42, null);
        Log.CallerLeftWhileProvisioning(logger, "127.0.0.1", 43, "evt-9");

        var records = logger.Collector.GetSnapshot();
        records.Should().OnlyContain(r => r.Id.Id == 4005 && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        records[0].Message.Should().StartWith("Webhook caller 127.0.0.1 closed the connection while contact 42 was being provisioned;");
        records[1].Message.Should().StartWith("Webhook caller 127.0.0.1 closed the connection while contact 43 (event evt-9) was being provisioned;");
    }
}
