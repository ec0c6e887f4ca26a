namespace Skvare.CmsUser.Drupal.Tests;

public sealed class ArgumentValidationTests : IDisposable
{
    private static readonly CmsAccount NoId = new(0, "x", "x@example.org");
    private readonly DrupalTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void AddDrupal_requires_a_builder()
    {
        var act = () => DrupalCmsUserBuilderExtensions.AddDrupal(null!);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Constructor_requires_its_dependencies()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new DrupalOptions());
        var act = () => new DrupalAccountProvider(null!, options);
        act.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task FindByEmail_requires_an_email()
    {
        await _host.Invoking(h => h.Provider.FindByEmailAsync(" ")).Should().ThrowAsync<ArgumentException>();
        await _host.Invoking(h => h.Provider.FindByEmailAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task FindByUsername_requires_a_username()
    {
        await _host.Invoking(h => h.Provider.FindByUsernameAsync("")).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task GetById_requires_a_positive_id()
    {
        await _host.Invoking(h => h.Provider.GetByIdAsync(0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Create_requires_an_account_with_username_and_email()
    {
        await _host.Invoking(h => h.Provider.CreateAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await _host.Invoking(h => h.Provider.CreateAsync(DrupalTestHost.NewAccount(" "))).Should().ThrowAsync<ArgumentException>();
        await _host.Invoking(h => h.Provider.CreateAsync(DrupalTestHost.NewAccount(email: ""))).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task AddRoles_requires_an_account_id_and_roles()
    {
        await _host.Invoking(h => h.Provider.AddRolesAsync(NoId, ["editor"])).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await _host.Invoking(h => h.Provider.AddRolesAsync(new CmsAccount(1, null, null), null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task SendPasswordReset_requires_an_account()
    {
        await _host.Invoking(h => h.Provider.SendPasswordResetAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task SendNewAccountNotification_requires_an_account_id()
    {
        await _host.Invoking(h => h.Provider.SendNewAccountNotificationAsync(NoId)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Block_requires_an_account_id()
    {
        await _host.Invoking(h => h.Provider.BlockAsync(NoId)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task CreateOneTimeLoginLink_requires_an_account()
    {
        await _host.Invoking(h => h.Provider.CreateOneTimeLoginLinkAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        _host.Server.Requests.Should().BeEmpty();
    }
}
