using System.Text.Json;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Testing.Tests.Standalone;

/// <summary>What the real Standalone 6.17.2 answered (protocol notes) and the recording does not exercise.</summary>
public sealed class FakeStandaloneServerTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _site.Dispose();
    }

    private async Task<(int Status, JsonElement Body)> CallAsync(string entity, string action, string parameters)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_site.Url, $"civicrm/ajax/api4/{entity}/{action}")) { Content = new FormUrlEncodedContent([new("params", parameters)]) };
        request.Headers.Add("X-Civi-Auth", "Bearer " + _site.ApiKey);
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string[] Keys(JsonElement body, int row = 0) => body.GetProperty("values")[row].EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task A_roles_update_that_fails_half_way_keeps_what_it_had_added()
    {
        var id = _site.AddUser("jdoe", "jdoe@example.org", _site.AddContact("J", "D", "jdoe@example.org"), true, _site.AdminRole, _site.StaffRole);

        var (status, body) = await CallAsync("User", "update", $"{{\"where\":[[\"id\",\"=\",{id}]],\"values\":{{\"roles\":[{_site.StaffRole},99]}}}}");

        status.Should().Be(500);
        body.GetProperty("error_message").GetString().Should().Be("DB Error: constraint violation");
        _site.Users.Single(u => u.Id == id).ExtrasOf<FakeStandaloneUserExtras>().RoleIds.Should().Equal(_site.AdminRole, _site.StaffRole, _site.StaffRole);
    }

    [Fact]
    public async Task Select_star_lists_the_stored_fields_with_the_token_and_without_roles()
    {
        _site.AddUser("jdoe", "jdoe@example.org", null);

        var (_, body) = await CallAsync("User", "get", "{\"select\":[\"*\"],\"where\":[[\"username\",\"=\",\"jdoe\"]]}");

        Keys(body).Should().BeEquivalentTo(["id", "domain_id", "uf_id", "uf_name", "contact_id", "username", "hashed_password", "when_created", "when_last_accessed", "when_updated", "is_active", "timezone", "language", "password_reset_token"]);
    }

    [Fact]
    public async Task An_update_of_a_missing_id_given_in_values_answers_a_phantom_row()
    {
        var (status, body) = await CallAsync("User", "update", "{\"values\":{\"id\":999,\"is_active\":false}}");

        status.Should().Be(200);
        body.GetProperty("count").GetInt32().Should().Be(1);
        Keys(body).Should().BeEquivalentTo(["id", "uf_id", "when_updated", "is_active", "custom", "check_permissions"]);
        _site.Users.Should().NotContain(u => u.Id == 999);
    }

    [Fact]
    public async Task Write_echoes_carry_what_was_sent()
    {
        var (_, created) = await CallAsync("User", "create", "{\"values\":{\"username\":\"jdoe\",\"uf_name\":\"jdoe@example.org\",\"contact_id\":5}}");
        var id = created.GetProperty("values")[0].GetProperty("id").GetInt64();
        var (_, updated) = await CallAsync("User", "update", $"{{\"where\":[[\"id\",\"=\",{id}]],\"values\":{{\"roles\":[{_site.StaffRole}]}}}}");

        Keys(created).Should().BeEquivalentTo(["id", "domain_id", "uf_id", "uf_name", "contact_id", "username", "when_created", "when_updated", "custom", "check_permissions"]);
        Keys(updated).Should().BeEquivalentTo(["id", "uf_id", "when_updated", "roles", "custom", "check_permissions"]);
    }

    [Fact]
    public async Task A_chain_runs_per_row_with_the_rows_values()
    {
        _site.AddUser("jdoe", "other@example.org", null);

        var (_, body) = await CallAsync("User", "create", "{\"values\":{\"username\":\"jdoe\",\"uf_name\":\"jdoe@example.org\"},\"chain\":{\"same\":[\"User\",\"get\",{\"select\":[\"id\"],\"where\":[[\"username\",\"=\",\"$username\"]]}]}}");

        body.GetProperty("values")[0].GetProperty("same").GetArrayLength().Should().Be(2, "usernames are not unique on Standalone");
    }

    [Fact]
    public async Task Without_administer_users_get_shows_only_the_own_record_and_checkAccess_says_no()
    {
        _site.AddUser("someone", "someone@example.org", null);
        _site.AdministerUsers = false;

        var (_, users) = await CallAsync("User", "get", "{\"select\":[\"id\"]}");
        var (_, access) = await CallAsync("User", "checkAccess", "{\"action\":\"create\",\"values\":{}}");

        users.GetProperty("values").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).Should().Equal(_site.ApiUserId);
        access.GetProperty("values")[0].GetProperty("access").GetBoolean().Should().BeFalse();
    }
}
