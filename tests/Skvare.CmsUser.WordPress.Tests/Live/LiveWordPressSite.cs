using System.Reflection;
using System.Text.Json;

namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// Connection facts of the real WordPress that tests/real/wordpress/setup.sh prepares: from the
/// environment (CMSUSER_WP_URL, CMSUSER_WP_USER, CMSUSER_WP_APP_PASSWORD, CMSUSER_WP_MAILDIR) or from
/// tests/real/.state/wordpress.env. Also compiled into Skvare.CmsUser.Testing.Tests (recordings against the live
/// site), so nothing here needs the WordPress package: that part is LiveWordPressSite.Provider.cs.
/// </summary>
internal sealed partial record LiveWordPressSite(Uri Url, string User, string ApplicationPassword, string? MailDirectory)
{
    private static readonly Lazy<LiveWordPressSite?> Loaded = new(Load);

    public static LiveWordPressSite? Current => Loaded.Value;

    public static bool Required => Environment.GetEnvironmentVariable("CMSUSER_REQUIRE_LIVE") == "1";

    public static LiveWordPressSite Require() =>
        Current ?? throw new InvalidOperationException("CMSUSER_REQUIRE_LIVE=1 but no live WordPress is configured: run 'bash tests/real/wordpress/setup.sh' (writes tests/real/.state/wordpress.env) or set CMSUSER_WP_URL, CMSUSER_WP_USER and CMSUSER_WP_APP_PASSWORD.");

    private static LiveWordPressSite? Load()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Environment.GetEnvironmentVariable("CMSUSER_WP_ENV_FILE") ?? DefaultEnvFile();
        if (file is not null && File.Exists(file))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && !line.StartsWith('#'))
                {
                    values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
                }
            }
        }

        string? Get(string key) => Environment.GetEnvironmentVariable(key) is { Length: > 0 } v ? v : values.GetValueOrDefault(key);

        var url = Get("CMSUSER_WP_URL");
        var user = Get("CMSUSER_WP_USER");
        var password = Get("CMSUSER_WP_APP_PASSWORD");
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        return new LiveWordPressSite(new Uri(url.EndsWith('/') ? url : url + "/"), user, password, Get("CMSUSER_WP_MAILDIR"));
    }

    private static string? DefaultEnvFile()
    {
        var root = typeof(LiveWordPressSite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        return root is null ? null : Path.Combine(root, "tests", "real", ".state", "wordpress.env");
    }

    /// <summary>The mails the site sent to <paramref name="email"/> (the mail catcher's JSON files in <see cref="MailDirectory"/>).</summary>
    public List<(string[] To, string Subject, string Message)> MailsTo(string email)
    {
        var dir = MailDirectory ?? throw new InvalidOperationException("CMSUSER_WP_MAILDIR is not set.");
        var mails = new List<(string[], string, string)>();
        foreach (var file in Directory.GetFiles(dir, "*.json"))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var to = json.RootElement.GetProperty("to").EnumerateArray().Select(e => e.GetString()!).ToArray();
            if (to.Any(t => t.Contains(email, StringComparison.OrdinalIgnoreCase)))
            {
                mails.Add((to, json.RootElement.GetProperty("subject").GetString()!, json.RootElement.GetProperty("message").GetString()!));
            }
        }

        return mails;
    }

    /// <summary>Never print the application password.</summary>
    public override string ToString() => $"WordPress {Url} as {User}";
}
