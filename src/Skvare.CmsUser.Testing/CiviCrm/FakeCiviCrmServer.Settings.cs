using System.Text.Json;

namespace Skvare.CmsUser.Testing.CiviCrm;

public partial class FakeCiviCrmServer
{
    private readonly Dictionary<string, JsonElement> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _extensions = new(StringComparer.Ordinal);

    /// <summary>
    /// Stores a setting of the current domain as <c>Civi::settings()->set()</c> does, whether or not CiviCRM has metadata for
    /// it (an extension without <c>settings/*.setting.php</c>, such as com.skvare.cmsuser, stores its values this way).
    /// <c>Setting.get</c> answers it when asked for every setting; named in <c>select</c>, only a setting with metadata is
    /// answered (<see cref="FakeApi4Engine"/>: "Unknown settings for domain 1: …", as CiviCRM 6.17.2 refuses it).
    /// </summary>
    /// <param name="name">The setting's name.</param>
    /// <param name="json">Its value as the API answers it (<c>"12"</c>, <c>["editor"]</c>, <c>false</c> for a cleared one), JSON.</param>
    public void SetSetting(string name, string json)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        lock (Store)
        {
            _settings[name] = document.RootElement.Clone();
        }
    }

    /// <summary>Makes <c>Extension.get</c> list an extension with a status (<c>installed</c>, <c>disabled</c>, <c>uninstalled</c>).</summary>
    /// <param name="key">The extension's key (<c>com.skvare.cmsuser</c>).</param>
    /// <param name="status">Its status.</param>
    public void SetExtensionStatus(string key, string status)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(status);
        lock (Store)
        {
            _extensions[key] = status;
        }
    }

    /// <summary>The settings stored (under the store's lock).</summary>
    internal IReadOnlyDictionary<string, JsonElement> StoredSettings => _settings;

    /// <summary>The extensions known, by key (under the store's lock).</summary>
    internal IReadOnlyDictionary<string, string> Extensions => _extensions;
}
