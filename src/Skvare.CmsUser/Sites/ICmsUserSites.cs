namespace Skvare.CmsUser;

/// <summary>
/// The sites one host serves (<c>CmsUser:Sites:{name}</c>), each with its own CiviCRM, CMS, rules, options and
/// HTTP clients. Each site's provisioner is also registered as a keyed <see cref="IUserProvisioner"/> under its name
/// (<c>[FromKeyedServices("name")] IUserProvisioner</c>).
/// </summary>
public interface ICmsUserSites
{
    /// <summary>The site names, in configuration order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The provisioner of one site: its logs carry a <c>site</c> scope and its metrics a <c>site</c> tag.</summary>
    /// <param name="site">The site name (case-insensitive).</param>
    /// <exception cref="KeyNotFoundException">No site has that name.</exception>
    IUserProvisioner GetProvisioner(string site);

    /// <summary>The site's own service provider, for anything else it registered (its <see cref="ICmsAccountProvider"/>, its options).</summary>
    /// <param name="site">The site name (case-insensitive).</param>
    /// <exception cref="KeyNotFoundException">No site has that name.</exception>
    IServiceProvider GetServices(string site);
}
