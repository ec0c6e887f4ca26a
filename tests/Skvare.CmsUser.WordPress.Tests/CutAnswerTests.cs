using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// WordPress with the companion plugin (<see cref="CutAnswerContract"/>): its searches, reads by id, the API account, the
/// plugin's status and role list, and its page look-up (a POST that only reads) are asked again when their answer is cut;
/// the creates, role changes, blocks, emails and login links are not.
/// </summary>
public sealed class CutAnswerTests : CutAnswerContract
{
    private readonly FakeWordPressServer _site;
    private readonly WordPressTestHost _host;

    public CutAnswerTests()
    {
        _site = Own(new FakeWordPressServer());
        _host = Own(WordPressTestHost.For(_site, companion: true));
        Use(_host.Provider, _site);
    }

    protected override string Role => "editor";

    protected override bool IsRead(FakeFaultRequest request) => request.Method == "GET" || IsPageLookUp(request);

    protected override bool IsWrite(FakeFaultRequest request) => request.Method != "GET" && !IsPageLookUp(request);

    private static bool IsPageLookUp(FakeFaultRequest request) => request.Path.EndsWith("/skvare-cmsuser/v1/users/lookup", StringComparison.Ordinal);

    [Fact(Timeout = 60_000)]
    public async Task The_page_look_up_whose_answer_is_cut_once_is_asked_again_and_answers_the_page()
    {
        var account = _site.AddUser("cmsread20.page", "cmsread20.page@example.org");
        var lookUps = 0;
        _site.FaultWhere = r => IsPageLookUp(r) && Interlocked.Increment(ref lookUps) == 1 ? FakeFault.MalformedBody : null;
        var prefetch = (ICmsAccountPrefetch)_host.Provider;

        await prefetch.PrefetchAsync([account.Email, "cmsread20.none@example.org"], ["cmsread20.page"]);
        var before = _site.Requests.Count;
        var found = await _host.Provider.FindByEmailAsync(account.Email);

        lookUps.Should().Be(2, "the cut page look-up was asked exactly once more");
        found!.UserId.Should().Be(account.Id);
        _site.Requests.Count.Should().Be(before, "the page look-up answered the question: no search");
    }
}
