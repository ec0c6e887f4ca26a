using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// Creates CiviCRM trigger sources (groups, smart groups, tags, saved searches), reads contacts by id, and reads one
/// contact across every rule for an on-demand call in one request.
/// </summary>
internal sealed class CiviCrmTriggerSourceFactory : ITriggerSourceFactory, IContactDirectory, IProvisioningContactReader
{
    private readonly CiviCrmApiClient _client;
    private readonly ContactReader _reader;
    private readonly ReferenceResolver _resolver;
    private readonly ProvisioningContactReader _provisioning;

    /// <summary>Creates the factory.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">The CiviCRM options.</param>
    public CiviCrmTriggerSourceFactory(CiviCrmApiClient client, IOptions<CiviCrmOptions> options)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _reader = new ContactReader(client, (options ?? throw new ArgumentNullException(nameof(options))).Value);
        _resolver = new ReferenceResolver(client);
        _provisioning = new ProvisioningContactReader(client, _reader, _resolver);
    }

    /// <inheritdoc />
    public Task<ProvisioningContactRead?> ReadAsync(ProvisioningContactQuery query, CancellationToken cancellationToken = default) =>
        _provisioning.ReadAsync(query, cancellationToken);

    /// <inheritdoc />
    public ITriggerSource Create(TriggerSourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new CiviCrmTriggerSource(_client, _reader, _resolver, context);
    }

    /// <inheritdoc />
    public Task PrepareAsync(IReadOnlyCollection<TriggerDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        return _resolver.PreloadAsync(definitions, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Contact>> GetContactsAsync(IReadOnlyCollection<long> contactIds, IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactIds);
        ArgumentNullException.ThrowIfNull(extraFields);
        if (contactIds.Count == 0)
        {
            return [];
        }

        var query = await _reader.BaseQueryAsync(extraFields, cancellationToken).ConfigureAwait(false);
        query.Where.Add(Api4Condition.In("id", contactIds));
        query.Limit = contactIds.Count;
        if (contactIds.Count == 1)
        {
            // One contact (on demand, a re-read): its other-domain links come with it, in the same request.
            await _reader.ChainOtherDomainLinksAsync(query, cancellationToken).ConfigureAwait(false);
        }

        // The website tokens' values (when a pattern uses one) go beside the read, in a request of their own.
        var (result, websites) = await _reader.ReadWithWebsitesAsync(query, extraFields, contactIds, cancellationToken).ConfigureAwait(false);
        return await _reader.ToContactsAsync(result.Values, extraFields, cancellationToken, websites).ConfigureAwait(false);
    }
}
