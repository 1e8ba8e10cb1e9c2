#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

The seeds are small, hand-made inputs that reach the interesting code at
once: every kind of event member and number form for the JSON parsers, valid
and invalid record headers for record_decode_fuzz, a well-formed page for
page_reader_fuzz. Inputs that once found a bug are kept beside them under
regression_* names (docs/fuzzing.md lists them); this script writes those too,
so that running it again reproduces the directory exactly.

  python3 fuzz/corpus/make_corpus.py      # from the repository root
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))

EVENTS = {
    "minimal_action": '{"action":"null","args":{}}',
    "run_action": '{"id":5,"timestamp":"2025-07-18T17:01:36.799608","source":"agent",'
    '"message":"Running command: ls -la","action":"run","args":{"command":"ls -la",'
    '"is_input":false,"thought":"","blocking":false,"hidden":false,"confirmation_state":'
    '"confirmed"},"timeout":120.0}',
    "run_observation": '{"id":6,"timestamp":"2025-07-18T17:01:37","source":"environment",'
    '"message":"Command `ls -la` executed with exit code 0.","cause":5,"observation":"run",'
    '"content":"total 0\\n","extras":{"command":"ls -la","metadata":{"exit_code":0,'
    '"pid":-1,"suffix":"\\n[The command completed with exit code 0.]"},"hidden":false},'
    '"success":true}',
    "message_unicode": '{"source":"user","message":"h\\u00e9llo \\ud83d\\ude00 \\"q\\"",'
    '"action":"message","args":{"content":"caf\u00e9","image_urls":null,"wait_for_response":'
    'false}}',
    "llm_metrics_numbers": '{"action":"finish","args":{"outputs":{},"thought":""},'
    '"llm_metrics":{"accumulated_cost":0.0123456789012345,"costs":[{"model":"m","cost":'
    '1.5e-05,"timestamp":1752858096.7996}],"response_latencies":[{"latency":0.25,'
    '"response_id":"r1"}],"token_usages":[{"prompt_tokens":12000,"completion_tokens":34,'
    '"cache_read_tokens":0}]},"tool_call_metadata":{"function_name":"finish","tool_call_id":'
    '"toolu_01","model_response":{"id":"x","choices":[],"usage":{"total_tokens":9}},'
    '"total_calls_in_response":1}}',
    "number_forms": '{"action":"think","args":{"a":0,"b":-0,"c":1E+2,"d":2.5e-3,"e":-1.0,'
    '"f":18446744073709551615,"g":9223372036854775808,"h":1e308,"i":4.9e-324,'
    '"j":0.1,"k":[1,2.0,3e0]},"timeout":0.5}',
    "unknown_fields": '{"observation":"error","content":"boom","extras":{"error_id":""},'
    '"hidden":true,"zz":[null,true,{"n":1}],"action_extra":{"k":"v"}}',
    "hidden_observation": '{"observation":"agent_state_changed","content":"","extras":'
    '{"agent_state":"running","reason":"","hidden":true}}',
}

REGRESSIONS = {
    "event_parse_fuzz": {
        # clz(0) in rapidjson 1.1.0's full-precision strtod (a zero with a
        # large exponent); it turned 0 into an arbitrary number in release.
        "regression_clz_zero_exponent": b"0E111.1((",
        # An out-of-bounds read in the same strtod on hundreds of digits.
        "regression_long_number": b'{"a":800000000000000000004445.' + b"4" * 400 + b"}",
        # A lone low surrogate escape: accepted, then written as bytes that
        # are not UTF-8, which ParseEvent refused on the way back.
        "regression_lone_surrogate": b'{"source":"user","mesjage":"h\\u00e9llo \\ud66d'
        b'\\ude00 \\"q\\"","action":"message","args":{"content":"caf\xc3\xa9"}}',
    },
}

REDACT = {
    "secret_in_args": '{"action":"run","args":{"command":"curl -H sk-abc123 x"}}',
    "secret_in_list": '{"observation":"run","content":"hunter2","extras":{"env":["zqzq","a\\"b"]}}',
    "escaped_secret": '{"message":"p\\u00e4ss and \\"a\\\\\\"b\\"","source":"user"}',
}

FILTER_ARGS = {
    "types_and_source": ["--type", "CmdRunAction", "--exclude-type", "Observation",
                         "--source", "agent", "--exclude-hidden"],
    "dates_and_query": ["--start-date", "2024-05-01T10:00:00", "--end-date",
                        "2024-05-01T12:00:00+02:00", "--query", "ls"],
}


# secret_scanner_fuzz: byte 0 = number of secrets, each a length byte and its
# bytes, then text that is also read as JSON (the publish path's gate).
SECRET_SCANNER = {
    "json_escapes": b'\x00{"a":"x\\nTOK1234\\t","b":["TOK\\u0031234","\\/TOK9876\\/"],"TOK5555":1}',
    "json_secrets": b'\x02\x03ab\x04TOK1{"k":"abTOK1234\\\\\\"","l":["\\\\\\\\TOK0000"]}',
    "json_no_match": b'\x00{"m":"no match here\\n\\"quoted\\" \\\\ and \\/ slashes"}',
}


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def page_record(record_id, type_, source, flags, body):
    """A page record as persist/page_format.h lays it out, CRC filled in."""
    header = struct.pack("<IQqqHBBI", len(body), record_id, 1752858096799608000, -1,
                         type_, source, flags, 0)
    padded = header + body + b"\0" * (-(40 + len(body)) % 8)
    return struct.pack("<I", masked(crc32c(padded))) + padded


def page(first_id, records):
    head = b"EVBUSPG1" + struct.pack("<IIQI", 1, 32, first_id, 0)
    out = head + struct.pack("<I", masked(crc32c(head)))
    for record in records:
        out += record
    return out


def ring_record(type_, source, flags, record_id, body):
    """record_decode_fuzz input: IndexEntry bytes 24-47, the id, the body."""
    meta = struct.pack("<qqHBBHH", 1752858096799608000, -1, type_, source, flags, 3, 0)
    return meta + struct.pack("<Q", record_id) + body


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    for name, text in EVENTS.items():
        write("event_parse_fuzz", name + ".json", text)
    for target, inputs in REGRESSIONS.items():
        for name, data in inputs.items():
            write(target, name, data)
    for name, text in REDACT.items():
        write("redact_fuzz", name + ".json", text)
    for name, data in SECRET_SCANNER.items():
        write("secret_scanner_fuzz", name, data)
    for name, argv in FILTER_ARGS.items():
        write("filter_args_fuzz", name, "\0".join(argv))
    run = b'{"source":"agent","message":"","action":"run","args":{"command":"ls"}}'
    obs = EVENTS["run_observation"].replace('{"id":6,', "{").encode()
    write("record_decode_fuzz", "valid_action", ring_record(1, 1, 0, 41, run))
    write("record_decode_fuzz", "valid_hidden_observation", ring_record(22, 3, 1, 42, obs))
    write("record_decode_fuzz", "unregistered_type", ring_record(977, 1, 0, 43, run))
    write("record_decode_fuzz", "bad_source", ring_record(1, 9, 0, 44, run))
    write("record_decode_fuzz", "unknown_flag", ring_record(1, 1, 0x80, 45, run))
    write("record_decode_fuzz", "empty_body", ring_record(0, 0, 0, 0, b"{}"))
    write("page_reader_fuzz", "two_records",
          page(7, [page_record(7, 1, 1, 4, run), page_record(8, 22, 3, 5, obs)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
