using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// A create the site accepted but answered without the user's id (its chained mail ran) is finished by reading the user
/// back by its contact and checking its username (<see cref="CreateFollowUpContract"/>); whether the mail went out is unknown.
/// </summary>
public sealed class CreateFollowUpTests : CreateFollowUpContract
{
    private readonly FakeStandaloneServer _site;

    public CreateFollowUpTests()
    {
        _site = Own(new FakeStandaloneServer());
        var services = Own(StandaloneHost.Build(_site));
        Use(services.GetRequiredService<ICmsAccountProvider>(), _site, to => _site.Mails.Count(m => m.To == to));
    }

    protected override FakeFault? CreateFault => FakeFault.AfterProcessing(
        200,
        "{\"values\":[{\"username\":\"cora.cancel\"}],\"entity\":\"User\",\"action\":\"create\",\"debug\":null,\"version\":4,\"count\":1,\"countFetched\":1}");

    protected override bool IsFollowUp(FakeFaultRequest request) => request.Operation == FakeCmsOperation.LookUp;

    protected override CmsNotification Reported => CmsNotification.Unknown;

    protected override NewCmsAccount NewAccount(string username, string email) =>
        new() { Username = username, Email = email, Notify = true, ContactId = _site.AddContact("Cora", "Cancel", email), Roles = ["staff"] };
}
