using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Found in a CiviCRM admin's trial (trial10): <c>cmsuser check</c> said "no Group 'trial10_memebrs'" and left the admin
/// to find the misspelling; it now names the groups or tags within two edits.
/// </summary>
public sealed class MissingReferenceCheckTests
{
    [Fact(Timeout = 30_000)]
    public async Task A_misspelled_group_or_tag_names_the_nearest_ones()
    {
        using var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("website_memebrs"), History = TriggerDefinition.Tag("donee") });
            o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Tag("nothing_like_it") });
        });
        h.Fake.AddGroup("website_members", "Website members");
        h.Fake.AddGroup("volunteers");
        h.Fake.AddTag("done");
        h.Fake.AddTag("dome");

        var report = await h.Services.GetRequiredService<CiviCrmConnectivityCheck>().CheckAsync();

        report.Checks.Single(c => c.Name == "Trigger group:website_memebrs").Should().Match<ConnectivityCheck>(c => !c.Passed
            && c.Detail == "no Group 'website_memebrs' (or the API user cannot see it); did you mean 'website_members'?");
        report.Checks.Single(c => c.Name == "History tag:donee").Detail.Should().EndWith("; did you mean 'done'?", "the nearest wins");
        report.Checks.Single(c => c.Name == "Password reset trigger tag:nothing_like_it").Detail.Should()
            .Be("no Tag 'nothing_like_it' (or the API user cannot see it)", "nothing is near");
    }
}
