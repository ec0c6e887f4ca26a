namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// What every <see cref="ICmsAccountProvider"/> must do with arguments it cannot use: throw the matching
/// <see cref="ArgumentException"/> before anything is sent to the site. Each provider's tests derive from this
/// once and inherit every case.
/// </summary>
public abstract class ProviderArgumentContract : OwnedTestResources
{
    private static readonly CmsAccount NoId = new(0, "x", "x@example.org");
    private ICmsAccountProvider? _provider;
    private Func<int> _requestsSent = () => 0;

    /// <summary>The provider under test.</summary>
    protected ICmsAccountProvider Provider => _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    private int RequestsSent => _requestsSent();

    /// <summary>Sets the provider under test and how to count the requests its fake site received.</summary>
    protected void Use(ICmsAccountProvider provider, Func<int> requestsSent)
    {
        _provider = provider;
        _requestsSent = requestsSent;
    }

    /// <summary>The provider as a host gets it: through <c>AddCmsUserProvisioning()</c> and the package's registration.</summary>
    protected ICmsAccountProvider Wire(Action<ICmsUserBuilder> addPackage)
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        addPackage(services.AddCmsUserProvisioning());
        var provider = Own(Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services));
        return Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ICmsAccountProvider>(provider);
    }

    [Fact]
    public async Task FindByEmail_requires_an_email()
    {
        await Provider.Invoking(p => p.FindByEmailAsync(" ")).Should().ThrowAsync<ArgumentException>();
        await Provider.Invoking(p => p.FindByEmailAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task FindByUsername_requires_a_username()
    {
        await Provider.Invoking(p => p.FindByUsernameAsync("")).Should().ThrowAsync<ArgumentException>();
        await Provider.Invoking(p => p.FindByUsernameAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task GetById_requires_a_positive_id()
    {
        await Provider.Invoking(p => p.GetByIdAsync(0)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await Provider.Invoking(p => p.GetByIdAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task Create_requires_an_account_with_username_and_email()
    {
        await Provider.Invoking(p => p.CreateAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await Provider.Invoking(p => p.CreateAsync(ProviderTestHost.NewAccount(username: " "))).Should().ThrowAsync<ArgumentException>();
        await Provider.Invoking(p => p.CreateAsync(ProviderTestHost.NewAccount(email: ""))).Should().ThrowAsync<ArgumentException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task AddRoles_requires_an_account_id_and_roles()
    {
        await Provider.Invoking(p => p.AddRolesAsync(null!, ["editor"])).Should().ThrowAsync<ArgumentNullException>();
        await Provider.Invoking(p => p.AddRolesAsync(NoId, ["editor"])).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await Provider.Invoking(p => p.AddRolesAsync(new CmsAccount(1, null, null), null!)).Should().ThrowAsync<ArgumentNullException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task SendPasswordReset_requires_an_account()
    {
        await Provider.Invoking(p => p.SendPasswordResetAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task SendNewAccountNotification_requires_an_account_with_an_id()
    {
        await Provider.Invoking(p => p.SendNewAccountNotificationAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await Provider.Invoking(p => p.SendNewAccountNotificationAsync(NoId)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task Block_requires_an_account_with_an_id()
    {
        await Provider.Invoking(p => p.BlockAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await Provider.Invoking(p => p.BlockAsync(NoId)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        RequestsSent.Should().Be(0);
    }

    [Fact]
    public async Task CreateOneTimeLoginLink_requires_an_account()
    {
        await Provider.Invoking(p => p.CreateOneTimeLoginLinkAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        RequestsSent.Should().Be(0);
    }
}
