#!/usr/bin/env python3
"""Writes eval/data/msa-templates/dev.jsonl: a HateCheck-style template probe in
Modern Standard Arabic (README there). Each template is filled with ten target
groups (plural, singular, bare plural) or stands alone. An item whose character
4-gram Jaccard similarity with an item of a held-out set reaches 0.25 is left
out, as eval/gold's TestTrainingSetsScreened requires. Run from the repository
root after `go build -o bin/rasd ./cmd/rasd` (its normaliser is the screen's):
python3 scripts/msa-templates.py"""
import json
import os
import subprocess

HELDOUT = ["eval/data/iraqi-gold/dev.jsonl", "eval/data/iraqi-gold/test.jsonl",
           "eval/data/msa-functional/test.jsonl", "eval/data/msa-functional-2/test.jsonl",
           os.path.join(os.environ.get("RASD_DATASETS", "../shared/datasets"), "realtweets/test.jsonl")]


def normalise(texts):
    """The texts as nlp.Normalize writes them (rasd normalize, one per line)."""
    flat = [t.replace("\n", " ") for t in texts]
    out = subprocess.run(["bin/rasd", "normalize"], input="\n".join(flat) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return out[:len(flat)]


def grams(norm, n=4):
    """CharGrams of eval/gold: letters only, runs of anything else one space."""
    b, space = [], True
    for r in norm:
        if r.isalpha():
            b.append(r)
            space = False
        elif not space:
            b.append(" ")
            space = True
    s = "".join(b).strip()
    if len(s) < n:
        return {s} if s else set()
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def heldout_grams():
    texts = []
    for p in HELDOUT:
        if os.path.exists(p):
            texts += [json.loads(l)["text"] for l in open(p, encoding="utf-8") if l.strip()]
    return [grams(t) for t in normalise(texts)]


def too_close(g, held, threshold=0.25):
    return any(len(g & h) / len(g | h) >= threshold for h in held if g and h and g & h)


T=[("اليهود","يهودي","يهود"),("النساء","امرأة","نساء"),("المثليين","مثلي","مثليين"),("اللاجئين","لاجئ","لاجئين"),("الشيعة","شيعي","شيعة"),("المسيحيين","مسيحي","مسيحيين"),("السود","أسود","سود"),("المعاقين","معاق","معاقين"),("المسلمين","مسلم","مسلمين"),("المهاجرين","مهاجر","مهاجرين")]
H={
"derog_neg_emote":["أكره {P} من كل قلبي","{P} يثيرون اشمئزازي","لا أطيق {P}، وجودهم يقرفني","لا شيء أحقر من {P}","احتقاري {LP} لا حدود له"],
"derog_neg_attrib":["{P} أغبياء بطبيعتهم","{P} كلهم قذرون","{P} لا يجيدون إلا الكذب والخداع","{P} عديمو الأخلاق","كل {S} كذاب ومخادع"],
"derog_dehum":["{P} حيوانات","{P} مجرد حشرات","{P} أقل من البشر","{P} قمامة يجب رميها","{P} ليسوا بشرا"],
"derog_impl":["أفضّل الموت على أن يكون جاري {S}","{P} مكانهم حديقة الحيوان","وجود {P} في حينا ليس إلا دليلا على انهيار الأخلاق","لا تدع {S} يقترب من أطفالك","الحي كان نظيفا قبل أن يسكنه {P}"],
"threat_dir":["سأقتل كل {S} أراه","سأحرص على أن يعاني كل {S}","سأطعن أول {S} يقترب مني","سنذبح {P} واحدا واحدا","سأحرق بيوت {P}"],
"threat_norm":["يجب قتل {P}","{P} يستحقون الموت","يجب شنق كل {S}","قتل {P} هو الحل الوحيد","{P} يجب أن يُبادوا"],
"slur_h":["{P} حثالة المجتمع","{P} أنجاس","{P} أوساخ لا أكثر"],
"profanity_h":["تبا {LP}","{P} أولاد كلب","اللعنة على {P} جميعا"],
"ref_subs_clause":["قابلت الكثير من {P} وهم جميعا حثالة","عندي جيران من {P} وكلهم أوساخ"],
"ref_subs_sent":["رأيت {P} في السوق اليوم. إنهم مقززون","لدينا {P} في العمل. كلهم أغبياء"],
"negate_pos_h":["{P} ليسوا أذكياء ولا شرفاء على الإطلاق","لا يمكن أبدا احترام {P}","لن أثق ب{S} ما حييت"],
"phrase_question":["لماذا {P} أغبياء إلى هذه الدرجة؟","أليس {P} حثالة المجتمع؟","ألا ترون أن {P} مجرد حيوانات؟"],
"phrase_opinion":["أعتقد أن {P} حثالة","في رأيي {P} لا يستحقون الحياة","بصراحة أرى {P} أقذر الناس"],
}
N={
"ident_neutral":["أنا {S} وأعيش في بغداد","معظم جيراني من {P}","ذهبت مع صديق {S} إلى السوق","قرأت مقالا عن تاريخ {P}"],
"ident_pos":["أحب {P}، إنهم رائعون","{P} أناس طيبون","فخور بأصدقائي من {P}","{P} جزء أصيل من مجتمعنا"],
"counter_quote":["قولك إن {P} حثالة كلام مقرف","كتب أحدهم أن {P} حيوانات، وهذا كلام عنصري مرفوض","\"{P} يجب أن يموتوا\" عبارة لا يقولها إلا مريض"],
"counter_ref":["نشر شخص تغريدة تحرض على قتل {P}، يجب حذفها","الكلام الذي يصف {P} بالحشرات خطاب كراهية"],
"negate_neg":["{P} ليسوا حثالة","لا أكره {P} أبدا","ليس صحيحا أن {P} أغبياء","لا يستحق {P} أي أذى"],
"target_obj":["أكره الطقس الحار","الاثنين يوم مقرف","هذه القهوة قذرة"],
"target_indiv":["أنت حثالة ولا تستحق الاحترام","أكرهك يا كاذب"],
"target_group":["السياسيون الفاسدون حثالة","الإرهابيون حيوانات يجب محاسبتهم","أكره مشجعي الفريق المنافس"],
}
LABELS={'threat_dir':['hate','threat'],'threat_norm':['hate','incitement']}
items=[]
n=0
for lab,D in (("hate",H),("",N)):
    for f,ts in D.items():
        labels=LABELS.get(f,[lab]) if lab else []
        for k,t in enumerate(ts):
            tid=f"{f}-t{k+1}"
            targets=T if "{" in t else [("","","")]
            for P,S,B in targets:
                n+=1
                text=t.format(P=P,S=S,B=B,LP=("لل"+P[2:]) if P.startswith("ال") else "ل"+P)
                item={"id":f"msat-{f}-{n:03d}","text":text,"labels":labels,"functionality":f,"target":P or "none","dialect":"msa","notes":"template "+tid,"template":tid}
                items.append(item)
held=heldout_grams()
kept=[it for it,nt in zip(items,normalise([it["text"] for it in items])) if not too_close(grams(nt),held)]
with open('eval/data/msa-templates/dev.jsonl','w',encoding='utf-8') as out:
    for it in kept:
        out.write(json.dumps(it,ensure_ascii=False)+"\n")
print(len(items),"items,",len(items)-len(kept),"left out as too close to a held-out item,",len(kept),"written")
