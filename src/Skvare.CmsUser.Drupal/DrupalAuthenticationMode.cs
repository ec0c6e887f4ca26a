namespace Skvare.CmsUser.Drupal;

/// <summary>How the provider authenticates to Drupal.</summary>
public enum DrupalAuthenticationMode
{
    /// <summary>Core's <c>basic_auth</c> module: <see cref="DrupalOptions.Username"/> and <see cref="DrupalOptions.Password"/> on every request.</summary>
    Basic,

    /// <summary>The contrib <c>simple_oauth</c> module, client-credentials grant: <see cref="DrupalOptions.ClientId"/> and <see cref="DrupalOptions.ClientSecret"/>.</summary>
    OAuth2,
}
