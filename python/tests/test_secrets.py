"""set_secrets replaces, update_secrets merges; nothing of a secret is stored."""

import evbus


def test_secrets_are_redacted_in_what_is_stored_and_delivered(stream):
    delivered = []
    stream.subscribe('test', delivered.append, 'd')
    stream.set_secrets({'api_key': 'secret123'})
    event = {'action': 'run', 'args': {'command': 'curl -H "Bearer secret123" x',
                                       'env': {'K': 'secret123', 'timestamp': 'secret123'}}}
    stream.add_event(event, 'agent')
    assert event['args']['command'] == 'curl -H "Bearer secret123" x'  # caller's copy kept
    stored = stream.get_event(0)
    assert 'secret123' not in str(stored)
    assert stored['args']['command'] == 'curl -H "Bearer <secret_hidden>" x'
    assert stored['args']['env'] == {'K': '<secret_hidden>', 'timestamp': '<secret_hidden>'}
    from helpers import wait_until
    wait_until(lambda: len(delivered) == 1)
    assert delivered[0] == stored


def test_update_merges_and_set_replaces(stream):
    stream.set_secrets({'a': 'alpha-secret'})
    stream.update_secrets({'b': 'beta-secret'})
    stream.add_event({'observation': 'null', 'content': 'alpha-secret beta-secret', 'extras': {}},
                     evbus.EventSource.AGENT)
    assert stream.get_event(0)['content'] == '<secret_hidden> <secret_hidden>'
    stream.set_secrets({'b': 'beta-secret'})  # alpha is no longer a secret
    stream.add_event('{"observation":"null","content":"alpha-secret beta-secret","extras":{}}',
                     'agent')
    assert stream.get_event(1)['content'] == 'alpha-secret <secret_hidden>'
    stream.set_secrets({})
    stream.add_event({'observation': 'null', 'content': 'beta-secret', 'extras': {}}, 'agent')
    assert stream.get_event(2)['content'] == 'beta-secret'


def test_secrets_never_reach_the_segment(stream, sid):
    secret = 'tok-XYZZY-0123456789'
    stream.set_secrets({'t': secret})
    for i in range(20):
        stream.add_event({'observation': 'null', 'content': f'{i} {secret}', 'extras': {}}, 'agent')
    with open(f'/dev/shm/evbus.{sid}', 'rb') as f:
        assert secret.encode() not in f.read()
