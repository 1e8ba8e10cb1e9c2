"""set_secret_patterns replaces, update_secret_patterns merges: tokens nobody
registered are redacted by their shape, for every process of the stream."""

import pytest

AWS = 'AKIA0123456789ABCDEF'


def content_of(stream, text):
    stream.add_event({'observation': 'null', 'content': text, 'extras': {}}, 'agent')
    return stream.get_event(stream.get_latest_event_id())['content']


def test_a_new_stream_redacts_the_builtin_formats(stream):
    assert content_of(stream, f'key {AWS}') == 'key <secret_hidden:aws_access_key_id>'
    token = 'ghp_' + 'a1B2c3' * 6
    assert content_of(stream, token) == '<secret_hidden:github_token>'
    assert content_of(stream, 'task-management-service-configuration') == \
        'task-management-service-configuration'


def test_set_replaces_and_update_merges(stream):
    stream.set_secret_patterns(builtins={'aws_access_key_id': False},
                               custom={'ticket': 'TCK-[0-9]{6}'})
    assert content_of(stream, f'{AWS} TCK-123456') == f'{AWS} <secret_hidden:ticket>'
    stream.update_secret_patterns(builtins={'aws_access_key_id': True}, placeholder='[{rule}]')
    assert content_of(stream, f'{AWS} TCK-123456') == '[aws_access_key_id] [ticket]'
    stream.update_secret_patterns(custom={'ticket': ''})  # '' removes it
    assert content_of(stream, 'TCK-123456') == 'TCK-123456'
    stream.set_secret_patterns()  # back to the default: every built-in on
    assert content_of(stream, AWS) == '<secret_hidden:aws_access_key_id>'


def test_a_bad_pattern_is_refused_by_name_and_the_old_ones_stay(stream):
    stream.set_secret_patterns(custom={'ticket': 'TCK-[0-9]{6}'})
    with pytest.raises(ValueError, match="'empty'.*empty string"):
        stream.update_secret_patterns(custom={'empty': 'x*'})
    with pytest.raises(ValueError, match="no built-in secret pattern is named 'nope'"):
        stream.update_secret_patterns(builtins={'nope': False})
    assert content_of(stream, 'TCK-123456') == '<secret_hidden:ticket>'
