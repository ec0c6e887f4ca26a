using MySqlConnector;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>A fact that needs the local MariaDB/MySQL; skipped with the reason when it is not reachable (required when CMSUSER_REQUIRE_LIVE=1).</summary>
public sealed class MariaDbFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unreachable = new(() =>
    {
        if (Environment.GetEnvironmentVariable("CMSUSER_REQUIRE_LIVE") == "1")
        {
            return null; // the test then fails with the connection error instead of skipping
        }

        try
        {
            using var connection = new MySqlConnection(JobStore.AdminConnectionString + ";Connection Timeout=3");
            connection.Open();
            return null;
        }
        catch (MySqlException ex)
        {
            return $"MariaDB/MySQL is not reachable ({ex.Message}): tests/real/wordpress/setup.sh installs and starts it; CMSUSER_QUARTZ_MYSQL names another server.";
        }
    });

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the database is not reachable.</summary>
    public MariaDbFactAttribute()
    {
        if (Unreachable.Value is { } reason)
        {
            Skip = reason;
        }
    }
}
