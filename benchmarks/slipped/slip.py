"""One slip put into a kernel we ship, for timing `why` on a long walk: every `load const`
of hash stage 3's constant loads it with one bit flipped, so each round's stage 3 goes
wrong and the first wrong value lies at round 0, a whole run before the final stores."""

STAGE3 = 0xD3A2646C


def slipped(instrs):
    """The bundles with the slip put in (a new list; the slots are tuples)."""
    out = []
    for bundle in instrs:
        loads = bundle.get("load")
        if loads:
            bundle = dict(bundle)
            bundle["load"] = [
                ("const", s[1], s[2] ^ 0x10) if s[0] == "const" and s[2] == STAGE3 else s for s in loads
            ]
        out.append(bundle)
    return out
