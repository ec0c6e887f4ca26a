namespace Skvare.CmsUser.Drupal7;

/// <summary>A Services session: the cookie to send and the CSRF token for writes. Never printed.</summary>
internal sealed class Drupal7Session(string name, string id, string token)
{
    public string Name { get; } = name;

    public string Id { get; } = id;

    public string Token { get; } = token;

    public string Cookie => Name + "=" + Id;

    public override string ToString() => "Drupal7Session(***)";
}
