"""A voice-agent stand-in built on Pipecat's own serializers (issue 5 interop test).

Serves WebSockets on 127.0.0.1 (an ephemeral port, printed as "LISTENING <port>"). The request
path picks the serializer the way an AI server written for that provider would:
  /vobiz  -> pipecat-vobiz's VobizFrameSerializer (built from the `start` event)
  /plivo  -> pipecat-ai's PlivoFrameSerializer
  /twilio -> pipecat-ai's TwilioFrameSerializer (after Twilio's `connected` message)
Every InputAudioRawFrame the serializer produces is sent back as an OutputAudioRawFrame
serialized by the same serializer (an echo bot). A key press (InputDTMFFrame) starts 3 s of a
1 kHz tone and barges in on it 300 ms later with an InterruptionFrame (the serializer turns it
into clearAudio or Twilio's clear). When the socket closes, one JSON line reports what the
serializer saw: "REPORT {...}".
"""

import asyncio
import json
import math
import struct
import sys
from types import SimpleNamespace

import websockets
from pipecat.frames.frames import InputAudioRawFrame, InputDTMFFrame, InterruptionFrame, OutputAudioRawFrame
from pipecat.serializers.plivo import PlivoFrameSerializer
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.serializers.vobiz import VobizFrameSerializer


def make_serializer(kind, start):
    details = start.get("start", {})
    if kind == "twilio":
        return TwilioFrameSerializer(
            details["streamSid"], details.get("callSid"),
            params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    if kind == "plivo":
        return PlivoFrameSerializer(
            details["streamId"], details["callId"], params=PlivoFrameSerializer.InputParams(auto_hang_up=False))
    return VobizFrameSerializer(
        "", details.get("callId"),
        params=VobizFrameSerializer.InputParams(auto_hang_up=False, hangup_method="ws_stop"))


async def handle(websocket):
    kind = websocket.request.path.strip("/").split("?")[0]
    report = {"kind": kind, "first_event": None, "audio_frames": 0, "audio_bytes": 0, "sent": 0, "dtmf": []}
    first = json.loads(await websocket.recv())
    report["first_event"] = first.get("event")
    start = json.loads(await websocket.recv()) if first.get("event") == "connected" else first
    serializer = make_serializer(kind, start)
    await serializer.setup(SimpleNamespace(audio_in_sample_rate=8000, audio_out_sample_rate=8000))
    if kind == "vobiz":
        await serializer.deserialize(json.dumps(start))  # adopts streamId and mediaFormat
    report["serializer"] = type(serializer).__name__
    try:
        async for message in websocket:
            frame = await serializer.deserialize(message)
            if isinstance(frame, InputAudioRawFrame):
                report["audio_frames"] += 1
                report["audio_bytes"] += len(frame.audio)
                echo = OutputAudioRawFrame(audio=frame.audio, sample_rate=frame.sample_rate, num_channels=1)
                data = await serializer.serialize(echo)
                if data:
                    await websocket.send(data)
                    report["sent"] += 1
            elif isinstance(frame, InputDTMFFrame):
                report["dtmf"].append(str(frame.button.value))
                tone = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 1000 * n / 8000))) for n in range(24000))
                await websocket.send(await serializer.serialize(OutputAudioRawFrame(audio=tone, sample_rate=8000, num_channels=1)))
                await asyncio.sleep(0.3)
                await websocket.send(await serializer.serialize(InterruptionFrame()))
                report["interrupted"] = True
    except websockets.ConnectionClosed:
        pass
    print("REPORT " + json.dumps(report), flush=True)


async def main():
    async with websockets.serve(handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"LISTENING {port}", flush=True)
        await asyncio.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 120)


asyncio.run(main())
