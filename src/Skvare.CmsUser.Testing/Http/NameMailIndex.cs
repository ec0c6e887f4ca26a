namespace Skvare.CmsUser.Testing.Http;

/// <summary>
/// The name and mail indexes of a fake whose users live in a dictionary by id and whose names and mails compare
/// case-insensitively (Drupal, Drupal 7): every store, replacement and removal goes through here so the indexes
/// always describe the dictionary. Not thread-safe: the fakes call it under their own lock.
/// </summary>
/// <typeparam name="TUser">The fake's user record.</typeparam>
/// <param name="idOf">The user's id.</param>
/// <param name="nameOf">The user's name.</param>
/// <param name="mailOf">The user's mail.</param>
internal sealed class NameMailIndex<TUser>(Func<TUser, long> idOf, Func<TUser, string> nameOf, Func<TUser, string> mailOf)
{
    /// <summary>Ids by name.</summary>
    public KeyIndex ByName { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Ids by mail.</summary>
    public KeyIndex ByMail { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Stores (or replaces) <paramref name="user"/> and re-files its name and mail.</summary>
    public void Put(IDictionary<long, TUser> users, TUser user)
    {
        var id = idOf(user);
        Drop(users, id);
        users[id] = user;
        ByName.Add(nameOf(user), id);
        ByMail.Add(mailOf(user), id);
    }

    /// <summary>Removes the user with <paramref name="id"/>, if any, and unfiles it.</summary>
    public void Drop(IDictionary<long, TUser> users, long id)
    {
        if (users.Remove(id, out var old))
        {
            ByName.Remove(nameOf(old), id);
            ByMail.Remove(mailOf(old), id);
        }
    }

    /// <summary>
    /// Applies an equality filter on mail (or name): read from the index when <paramref name="current"/> is still the
    /// whole table, otherwise by narrowing what an earlier filter found. Keeps id order.
    /// </summary>
    public IEnumerable<TUser> Filter(IDictionary<long, TUser> users, IEnumerable<TUser> current, bool byMail, string value)
    {
        if (ReferenceEquals(current, users.Values))
        {
            return (byMail ? ByMail : ByName).All(value).Select(id => users[id]).ToList();
        }

        var field = byMail ? mailOf : nameOf;
        return current.Where(u => string.Equals(field(u), value, StringComparison.OrdinalIgnoreCase));
    }
}
